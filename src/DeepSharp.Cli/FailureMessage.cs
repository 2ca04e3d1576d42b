using System.Reflection;

namespace DeepSharp.Cli;

/// <summary>
/// What the user reads when a command fails: the message of the exception that says what went wrong, never a stack
/// trace (<c>--debug</c> adds it). A failure the library describes (a missing or broken file, a bad value) is shown
/// as its message; anything else is called an internal error, with its type, so that it can be reported.
/// </summary>
public static class FailureMessage
{
    /// <summary>
    /// The message for <paramref name="exception"/>, unwrapped from the exceptions that only carry another; an internal
    /// error points to <c>--debug</c> unless <paramref name="debug"/> (the trace follows then).
    /// </summary>
    public static string Describe(Exception exception, bool debug = false)
    {
        var e = Unwrap(exception);
        return e switch
        {
            ArgumentException argument => WithoutParameterSuffix(argument),
            DistributedException => e.Message, // a lost rank, a stuck collective, Open MPI missing: it says what happened and what to do
            IOException or InvalidDataException or UnauthorizedAccessException or KeyNotFoundException or InvalidOperationException
                or NotSupportedException or FormatException or OverflowException => e.Message,
            OutOfMemoryException => $"out of memory: {e.Message}",
            _ => $"internal error ({e.GetType().Name}): {e.Message}" + (debug ? "" : " Run again with --debug for the stack trace, and please report it."),
        };
    }

    /// <summary>The exception that says what happened, under those that only wrap one (a worker thread's, a reflection call's).</summary>
    public static Exception Unwrap(Exception exception)
    {
        var e = exception;
        while (true)
        {
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) e = aggregate.InnerExceptions[0];
            else if (e is TargetInvocationException { InnerException: { } invoked }) e = invoked;
            else if (e is TypeInitializationException { InnerException: { } initializer }) e = initializer;
            else return e;
        }
    }

    /// <summary>
    /// An argument exception's own sentence, without " (Parameter 'zoomRange')" and "Actual value was ..." that name
    /// the C# parameter, which the user never typed.
    /// </summary>
    private static string WithoutParameterSuffix(ArgumentException e)
    {
        var message = e.Message.Split('\n')[0].TrimEnd('\r');
        var suffix = e.ParamName is null ? null : $" (Parameter '{e.ParamName}')";
        return suffix is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }
}

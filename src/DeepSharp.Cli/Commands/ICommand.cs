using DeepSharp.Cli.Options;

namespace DeepSharp.Cli.Commands;

/// <summary>One <c>deepsharp</c> command.</summary>
public interface ICommand
{
    /// <summary>The word that selects it.</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>
    /// The options it takes when given the positional <paramref name="words"/> (<c>train cnn</c> takes the shared
    /// training options and cnn's own); <see cref="CommonOptions.Global"/> come on top.
    /// </summary>
    IReadOnlyList<CliOption> Options(IReadOnlyList<string> words);

    /// <summary>Its usage text and the options it takes for <paramref name="words"/>.</summary>
    string Help(IReadOnlyList<string> words);

    /// <summary>
    /// Runs it; returns the exit code. Results go to <paramref name="output"/>, warnings to <paramref name="error"/>.
    /// Throws <see cref="UsageException"/> for bad options.
    /// </summary>
    int Run(CommandLine options, TextWriter output, TextWriter error);
}

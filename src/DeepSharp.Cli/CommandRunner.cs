using DeepSharp.Cli.Commands;

namespace DeepSharp.Cli;

/// <summary>
/// Dispatches <c>deepsharp &lt;command&gt; [options]</c>. Bad usage exits with code 2 and the command's help; a
/// failure the user can act on (a missing or broken file, no data, a bad value) exits with code 1 and its message,
/// without a stack trace.
/// </summary>
public static class CommandRunner
{
    /// <summary>The commands, by name.</summary>
    private static readonly ICommand[] Commands = [new TrainCommand(), new EvaluateCommand(), new PredictCommand(), new AugmentCommand(), new GenerateCommand(), new InfoCommand()];

    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            output.Write(Usage());
            return 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            error.WriteLine($"deepsharp: unknown command '{args[0]}'.");
            error.Write(Usage());
            return 2;
        }
        try
        {
            var options = CommandLine.Parse(args.AsSpan(1));
            if (options.Flag("help")) { output.Write(command.Help); return 0; }
            return command.Run(options, output);
        }
        catch (UsageException e)
        {
            error.WriteLine($"deepsharp {command.Name}: {e.Message}");
            error.Write(command.Help);
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or KeyNotFoundException)
        {
            error.WriteLine($"deepsharp {command.Name}: {e.Message}");
            return 1;
        }
    }

    private static string Usage()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("deepsharp — deep learning for .NET, in C# alone");
        text.AppendLine();
        text.AppendLine("Usage: deepsharp <command> [options]");
        text.AppendLine();
        text.AppendLine("Commands:");
        foreach (var c in Commands) text.AppendLine($"  {c.Name,-10} {c.Summary}");
        text.AppendLine();
        text.AppendLine("Run 'deepsharp <command> --help' for a command's options.");
        return text.ToString();
    }
}

using System.Reflection;
using DeepSharp.Cli.Commands;
using DeepSharp.Cli.Options;

namespace DeepSharp.Cli;

/// <summary>
/// Dispatches <c>deepsharp &lt;command&gt; [options]</c>. Bad usage exits with code 2 and the command's help; any other
/// failure exits with code 1 and its message (<see cref="FailureMessage"/>), never a stack trace unless
/// <c>--debug</c> is given.
/// </summary>
public static class CommandRunner
{
    /// <summary>The commands, by name.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } =
        [new TrainCommand(), new EvaluateCommand(), new PredictCommand(), new ConvertCommand(), new AugmentCommand(), new GenerateCommand(), new InfoCommand()];

    /// <summary>
    /// Commands for maintainers, left out of the command list: <c>check-saving</c> (tools/publish-aot.sh runs it in the
    /// NativeAOT binary).
    /// </summary>
    public static IReadOnlyList<ICommand> HiddenCommands { get; } = [new CheckSavingCommand()];

    /// <summary>The tool's version: the assembly's informational version (the package version, and the commit it was built from).</summary>
    public static string Version =>
        typeof(CommandRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CommandRunner).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        args = NormalizeGlobalFlags(args, out bool debug);
        if (args.Length == 0 || args[0] is "--help" or "help")
        {
            if (args.Length > 1 && Find(args[1]) is { } topic) output.Write(topic.Help(args[2..]));
            else output.Write(Usage());
            return 0;
        }
        if (args[0] is "--version" or "-V" or "version")
        {
            output.WriteLine($"deepsharp {Version}");
            return 0;
        }
        var command = Find(args[0]);
        if (command is null)
        {
            error.WriteLine($"deepsharp: unknown command '{args[0]}'.");
            error.Write(Usage());
            return 2;
        }
        var line = CommandLine.Parse(args.AsSpan(1));
        try
        {
            if (line.Flag(CommonOptions.Help)) { output.Write(command.Help(line.Positional)); return 0; }
            line.Declare([.. command.Options(line.Positional), .. CommonOptions.Global]);
            return command.Run(line, output, error);
        }
        catch (UsageException e)
        {
            error.WriteLine($"deepsharp {command.Name}: {e.Message}");
            error.Write(command.Help(line.Positional));
            return 2;
        }
        catch (Exception e)
        {
            error.WriteLine($"deepsharp {command.Name}: {FailureMessage.Describe(e, debug)}");
            if (debug) error.WriteLine(e);
            return 1;
        }
    }

    private static ICommand? Find(string name) => Commands.Concat(HiddenCommands).FirstOrDefault(c => c.Name == name);

    /// <summary>
    /// Takes <c>--debug</c> out wherever it stands (before or after the command) and reads <c>-h</c> as <c>--help</c>;
    /// words after <c>--</c> are left alone.
    /// </summary>
    private static string[] NormalizeGlobalFlags(string[] args, out bool debug)
    {
        debug = false;
        var kept = new List<string>(args.Length);
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--")
            {
                kept.AddRange(args[i..]);
                break;
            }
            if (args[i] == "--debug") debug = true;
            else kept.Add(args[i] == "-h" ? "--help" : args[i]);
        }
        return [.. kept];
    }

    private static string Usage()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("deepsharp — deep learning for .NET, in C# alone");
        text.AppendLine();
        text.AppendLine("Usage: deepsharp <command> [options]");
        text.AppendLine("       deepsharp --version | -V");
        text.AppendLine();
        text.AppendLine("Commands:");
        foreach (var c in Commands) text.AppendLine($"  {c.Name,-10} {c.Summary}");
        text.AppendLine();
        text.AppendLine("Every command takes --help (its options) and --debug (a stack trace with a failure's message).");
        text.AppendLine("Run 'deepsharp <command> --help' for a command's options; 'deepsharp train <example> --help' for an example's.");
        return text.ToString();
    }
}

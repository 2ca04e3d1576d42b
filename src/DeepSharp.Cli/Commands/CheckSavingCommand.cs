using DeepSharp.Cli.Options;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp check-saving</c>, a hidden command (not in the command list): saves and reloads one model of each kind
/// (<see cref="SaveLoadCheck"/>) inside the running binary. tools/publish-aot.sh runs it in the NativeAOT binary, where
/// saving is what would break first if any code still needed reflection.
/// </summary>
public sealed class CheckSavingCommand : ICommand
{
    private static readonly CliOption Out = CommonOptions.Out.Describe("directory for the saved models (default: a new temporary directory, removed after)");

    /// <inheritdoc/>
    public string Name => "check-saving";

    /// <inheritdoc/>
    public string Summary => "save and reload one model of each kind in this binary (a check for the NativeAOT build)";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => [Out];

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp check-saving [--out DIR]")
        .Paragraph($"Trains one small epoch of each model kind ({string.Join(", ", SaveLoadCheck.Kinds)}) on random data,\n" +
                   "saves it, loads it back and checks the same outputs bit for bit, the same compile settings\nand that it trains on. Exit code 1 when any kind fails.")
        .Section("Options", [Out])
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        string? given = options.String(Out);
        options.RejectUnknown();
        string directory = given ?? Path.Combine(Path.GetTempPath(), $"deepsharp-check-saving-{Guid.NewGuid():N}");
        try
        {
            bool passed = SaveLoadCheck.Run(directory, output);
            if (!passed) error.WriteLine("deepsharp check-saving: some model kinds did not survive saving and loading (see above).");
            return passed ? 0 : 1;
        }
        finally
        {
            if (given is null && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}

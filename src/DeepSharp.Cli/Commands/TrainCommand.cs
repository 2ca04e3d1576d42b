using DeepSharp.Cli.Options;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp train &lt;example&gt;</c>: trains one of the classic examples and writes its report.</summary>
public sealed class TrainCommand : ICommand
{
    /// <summary>The examples with their default settings, for their names, summaries and defaults.</summary>
    private static readonly Example[] Examples = [new MlpExample(), new CnnExample(), new LstmExample(), new GruExample(), new GanExample()];

    private static string Names => string.Join(", ", Examples.Select(e => e.Name));

    /// <inheritdoc/>
    public string Name => "train";

    /// <inheritdoc/>
    public string Summary => $"train an example ({Names}) and write metrics, plots and the model";

    /// <inheritdoc/>
    public string Help =>
        "Usage: deepsharp train <example> [options]\n\nExamples:\n" +
        string.Concat(Examples.Select(e => $"  {e.Name,-8} {e.Summary}\n{OptionsHelp(e)}")) +
        "\nOptions:\n" + TrainingOptionsParser.Help + "\n" +
        "Writes into --out: metrics.json, history.csv, curves.png and the model (model.dsm).\n" +
        "gan writes samples-epoch-NN.png (every epoch), losses.png, generator.dsm, classifier.dsm (unless --classifier) and metrics.json.\n";

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output)
    {
        if (options.Positional.Count == 0) throw new UsageException($"which example? {Names}.");
        var name = options.Positional[0];
        var defaults = Examples.FirstOrDefault(e => e.Name == name)
            ?? throw new UsageException($"unknown example '{name}'; known: {Names}.");
        var training = TrainingOptionsParser.Parse(options, defaults);
        var example = ParseExample(defaults, options);
        RejectExtra(options);
        TrainingOptionsParser.CheckOutputDirectory(training.OutputDirectory);
        try
        {
            return example.Run(training, output);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == nameof(TrainingOptions.BatchSize))
        {
            // Too large for the data: known only once the data is loaded, but bad usage all the same.
            throw new UsageException($"--batch-size {training.BatchSize} is larger than the number of training images; a step takes a full batch.");
        }
    }

    /// <summary>The example with its own options read (a new one each run, so that no setting carries over); the others have none.</summary>
    private static Example ParseExample(Example defaults, CommandLine options) => defaults switch
    {
        CnnExample => CnnOptions.Parse(options),
        GanExample => GanOptions.Parse(options),
        _ => defaults,
    };

    private static string OptionsHelp(Example example) => example switch
    {
        CnnExample => CnnOptions.Help,
        GanExample => GanOptions.Help,
        _ => "",
    };

    /// <summary>
    /// Unknown options and words beyond the example's name. Checked once every option has been read: a word after a
    /// flag ("--augment extra") is only known to be a stray argument when the flag is read.
    /// </summary>
    private static void RejectExtra(CommandLine options)
    {
        options.RejectUnknown();
        if (options.Positional.Count > 1) throw new UsageException($"unexpected argument '{options.Positional[1]}'.");
    }
}

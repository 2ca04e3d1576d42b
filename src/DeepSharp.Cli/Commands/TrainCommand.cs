using DeepSharp.Cli.Gan;
using DeepSharp.Cli.Training;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp train &lt;example&gt;</c>: trains one of the classic examples and writes its report.</summary>
public sealed class TrainCommand : ICommand
{
    private readonly ClassifierExample[] _examples = [new MlpExample(), new CnnExample(), new LstmExample(), new GruExample()];

    /// <inheritdoc/>
    public string Name => "train";

    /// <inheritdoc/>
    public string Summary => $"train an example ({string.Join(", ", _examples.Select(e => e.Name))}, {GanExample.Name}) and write metrics, plots and the model";

    /// <inheritdoc/>
    public string Help =>
        "Usage: deepsharp train <example> [options]\n\nExamples:\n" +
        string.Concat(_examples.Select(e => $"  {e.Name,-8} {e.Summary}\n{e.OptionsHelp}")) +
        $"  {GanExample.Name,-8} {GanExample.Summary}\n{GanExample.OptionsHelp}" +
        "\nOptions:\n" + TrainingOptions.Help + "\n" +
        "Writes into --out: metrics.json, history.csv, curves.png and the model (model.dsm).\n" +
        "gan writes samples-epoch-NN.png (every epoch), losses.png, generator.dsm, classifier.dsm (unless --classifier) and metrics.json.\n";

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output)
    {
        if (options.Positional.Count == 0) throw new UsageException($"which example? {string.Join(", ", _examples.Select(e => e.Name))}, {GanExample.Name}.");
        var name = options.Positional[0];
        if (name == GanExample.Name) return RunGan(options, output);
        var example = _examples.FirstOrDefault(e => e.Name == name)
            ?? throw new UsageException($"unknown example '{name}'; known: {string.Join(", ", _examples.Select(e => e.Name))}, {GanExample.Name}.");
        var training = TrainingOptions.Parse(options, example.Name, example.DefaultEpochs, example.DefaultBatchSize);
        example.ReadOptions(options);
        RejectExtra(options);
        return example.Run(training, output);
    }

    /// <summary>The GAN is not a classifier: it has its own flow and report (see <see cref="GanExample"/>).</summary>
    private static int RunGan(CommandLine options, TextWriter output)
    {
        var training = TrainingOptions.Parse(options, GanExample.Name, GanExample.DefaultEpochs, GanExample.DefaultBatchSize);
        var example = new GanExample();
        example.ReadOptions(options);
        RejectExtra(options);
        return example.Run(training, output);
    }

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

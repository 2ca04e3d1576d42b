using DeepSharp.Cli.Options;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp train &lt;example&gt;</c>: trains one of the classic examples and writes its report.</summary>
public sealed class TrainCommand : ICommand
{
    /// <summary>The examples with their default settings, for their names, summaries and defaults.</summary>
    private static readonly Example[] Examples = [new MlpExample(), new CnnExample(), new LstmExample(), new GruExample(), new GanExample(), new ResNetExample()];

    /// <summary>The examples' names, in the order the help lists them.</summary>
    public static IReadOnlyList<string> ExampleNames { get; } = Examples.Select(e => e.Name).ToList();

    private static string Names => string.Join(", ", ExampleNames);

    /// <inheritdoc/>
    public string Name => "train";

    /// <inheritdoc/>
    public string Summary => $"train an example ({Names}) and write metrics, plots and the model";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => Find(words) is { } example
        ? [.. TrainingOptionsParser.Options(example), .. OwnOptions(example), .. AugmentationOptionsOf(example)]
        : TrainingOptionsParser.Options();

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words)
    {
        if (Find(words) is { } example) return ExampleHelp(example);
        return new HelpText("deepsharp train <example> [options]")
            .Paragraph("Examples:\n" + string.Concat(Examples.Select(e => $"  {e.Name,-8} {e.Summary}\n")))
            .Section("Options (every example)", TrainingOptionsParser.Options())
            .Paragraph("Run 'deepsharp train <example> --help' for an example's defaults and own options (cnn and gan have some).")
            .Paragraph("Writes into --out: metrics.json, history.csv, curves.png and the model (model.dsm); gan writes\n" +
                "samples-epoch-NN.png (every epoch), losses.png, generator.dsm, classifier.dsm (unless --classifier) and metrics.json.")
            .Paragraph("Under Open MPI's mpirun every example trains data-parallel over the ranks; rank 0 prints and writes:\n" +
                "  mpirun -np 2 --bind-to none -x TERM=dumb deepsharp train cnn")
            .ToString();
    }

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        if (options.Positional.Count == 0) throw new UsageException($"which example? {Names}.");
        var defaults = Find(options.Positional) ?? throw new UsageException($"unknown example '{options.Positional[0]}'; known: {Names}.");
        // Under mpirun every rank starts MPI here (and takes its share of the cores); elsewhere this is one process.
        var ranks = Communicator.Start();
        var training = TrainingOptionsParser.Parse(options, defaults) with { Communicator = ranks };
        var example = ParseExample(defaults, options);
        RejectExtra(options);
        if (ranks.Rank == 0) OutputPath.CheckDirectory(training.OutputDirectory); // rank 0 alone writes
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

    private static Example? Find(IReadOnlyList<string> words) => words.Count > 0 ? Examples.FirstOrDefault(e => e.Name == words[0]) : null;

    private static string ExampleHelp(Example example)
    {
        var help = new HelpText($"deepsharp train {example.Name} [options]")
            .Paragraph($"Trains {example.Summary}.\nWrites into --out: {Writes(example)}.")
            .Section("Options", TrainingOptionsParser.Options(example))
            .Section($"Options of train {example.Name}", OwnOptions(example));
        if (example is CnnExample) help.Section("With --augment", CnnOptions.AugmentationOptions).Paragraph(AugmentationOptions.Note);
        return help.ToString();
    }

    private static string Writes(Example example) => example switch
    {
        GanExample => "samples-epoch-NN.png (every epoch), losses.png, generator.dsm, classifier.dsm\n(unless --classifier) and metrics.json",
        CnnExample or ResNetExample => "metrics.json, history.csv, curves.png, accuracy.png (training against validation\naccuracy per epoch) and model.dsm",
        _ => "metrics.json, history.csv, curves.png and model.dsm",
    };

    /// <summary>The example with its own options read (a new one each run, so that no setting carries over); the others have none.</summary>
    private static Example ParseExample(Example defaults, CommandLine options) => defaults switch
    {
        CnnExample => CnnOptions.Parse(options),
        GanExample => GanOptions.Parse(options),
        _ => defaults,
    };

    /// <summary>The options only <paramref name="example"/> takes.</summary>
    public static IReadOnlyList<CliOption> OwnOptions(Example example) => example switch
    {
        CnnExample => CnnOptions.Options,
        GanExample => GanOptions.Options,
        _ => [],
    };

    private static IReadOnlyList<CliOption> AugmentationOptionsOf(Example example) => example is CnnExample ? CnnOptions.AugmentationOptions : [];

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

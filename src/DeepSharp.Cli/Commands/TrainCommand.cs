using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Cli.Options;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp train &lt;example&gt;</c>: trains one of the classic examples and writes its report.</summary>
public sealed class TrainCommand : ICommand
{
    /// <summary>The examples with their default settings, for their names, summaries and defaults.</summary>
    private static readonly Example[] Examples = [new MlpExample(), new CnnExample(), new LstmExample(), new GruExample(), new VitExample(), new ResNetExample(), new GanExample(), new CharLmExample()];

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
            .Paragraph("Run 'deepsharp train <example> --help' for an example's defaults and own options (cnn, gan and charlm have some).")
            .Paragraph("Writes into --out: run.json (the command line), history.csv, curves.png, the model (model.dsm) and,\n" +
                "last, metrics.json; gan writes samples-epoch-NN.png (every epoch), losses.png, generator.dsm, classifier.dsm\n" +
                "(unless --classifier) and metrics.json; charlm also writes samples.txt and vectorizer.json (its characters).")
            .Paragraph(Interrupts)
            .Paragraph("Under Open MPI's mpirun every example trains data-parallel over the ranks; rank 0 prints and writes:\n" +
                "  mpirun -np 2 --bind-to none -x TERM=dumb deepsharp train cnn")
            .ToString();
    }

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        if (options.String(TrainingOptionsParser.Resume) is { } resume) return Resume(options, resume, output);
        return Train(options, output, resume: false);
    }

    /// <summary>Trains as <paramref name="options"/> say; <paramref name="resume"/> continues the backup in --out.</summary>
    private static int Train(CommandLine options, TextWriter output, bool resume)
    {
        if (options.Positional.Count == 0) throw new UsageException($"which example? {Names}.");
        var defaults = Find(options.Positional) ?? throw new UsageException($"unknown example '{options.Positional[0]}'; known: {Names}.");
        // Under mpirun every rank starts MPI here (and takes its share of the cores); elsewhere this is one process.
        var ranks = Communicator.Start();
        var training = TrainingOptionsParser.Parse(options, defaults) with { Communicator = ranks, Resume = resume, Arguments = options.Words };
        var example = ParseExample(defaults, options);
        RejectExtra(options);
        if (example is GanExample && (resume || training.SaveFreq is not null))
            throw new UsageException("train gan writes its generator and report after every epoch and keeps no backup: --resume and --save-freq are for mlp, cnn, lstm, gru and vit, and for resnet and charlm.");
        if (example is GanExample && training.BalanceRanks)
            throw new UsageException("train gan trains in a loop of its own that gives every rank an equal share of each batch: --balance is for the examples Fit trains.");
        if (ranks.Size > 1 && (resume || training.SaveFreq is not null))
            throw new UsageException($"--resume and --save-freq are for a run on one process; under mpirun ({ranks.Size} ranks) a run keeps no backup.");
        if (ranks.Rank == 0) OutputPath.CheckDirectory(training.OutputDirectory); // rank 0 alone writes
        try
        {
            return example.Run(training, output);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == nameof(TrainingOptions.BatchSize))
        {
            // Too large for the data: known only once the data is loaded, but bad usage all the same.
            throw new UsageException($"--batch-size {training.BatchSize} is larger than the number of training {(example is CharLmExample ? "windows" : "images")}; a step takes a full batch.");
        }
    }

    /// <summary>
    /// <c>--resume DIR</c>: the command line recorded in DIR's run.json again, writing into DIR, with the threads it ran
    /// on and, if given now, another --verbose or --data.
    /// </summary>
    private int Resume(CommandLine options, string directory, TextWriter output)
    {
        string? verbose = options.String(TrainingOptionsParser.Verbose);
        string? data = options.String(CommonOptions.Data);
        var unread = options.Unread();
        if (unread.Count > 0)
            throw new UsageException($"with --resume, only --verbose and --data may be given: the run continues with the options it started with " +
                $"(recorded in {Path.Combine(directory, RunFolder.RecordFile)}); got {string.Join(", ", unread.Select(name => "--" + name))}.");
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"--resume '{directory}': no such directory.");
        var recorded = RunFolder.ReadArguments(directory);
        var line = CommandLine.Parse([.. recorded]);
        if (line.Positional.Count == 0 || Find(line.Positional) is null)
            throw new InvalidDataException($"'{Path.Combine(directory, RunFolder.RecordFile)}' records no example to train: {string.Join(' ', recorded)}.");
        if (options.Positional.Count > 0 && options.Positional[0] != line.Positional[0])
            throw new UsageException($"the run in '{directory}' trains {line.Positional[0]}, not {options.Positional[0]}.");
        if (options.Positional.Count > 1) throw new UsageException($"unexpected argument '{options.Positional[1]}'.");
        int threads = RecordedThreads(directory) ?? Parallelism.Threads;
        var words = CommandLine.Without(recorded, "out", "threads", "resume",
            verbose is null ? "" : "verbose", data is null ? "" : "data");
        words.AddRange(["--out", directory, "--threads", threads.ToString(CultureInfo.InvariantCulture)]);
        if (verbose is not null) words.AddRange(["--verbose", verbose]);
        if (data is not null) words.AddRange(["--data", data]);
        var resumed = CommandLine.Parse([.. words]);
        resumed.Declare([.. Options(resumed.Positional), .. CommonOptions.Global]);
        return Train(resumed, output, resume: true);
    }

    /// <summary>The thread count run.json records (the run's results depend on it), or null.</summary>
    private static int? RecordedThreads(string directory)
    {
        try
        {
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, RunFolder.RecordFile))) as JsonObject;
            return record?["threads"] is JsonValue value && value.TryGetValue(out int threads) && threads is >= 1 and <= 256 ? threads : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    private static Example? Find(IReadOnlyList<string> words) => words.Count > 0 ? Examples.FirstOrDefault(e => e.Name == words[0]) : null;

    private static string ExampleHelp(Example example)
    {
        var help = new HelpText($"deepsharp train {example.Name} [options]")
            .Paragraph($"Trains {example.Summary}.\nWrites into --out: {Writes(example)}.")
            .Paragraph(example is GanExample ? "Ctrl-C ends it at once; the files of the last finished epoch stay." : Interrupts)
            .Section("Options", TrainingOptionsParser.Options(example))
            .Section($"Options of train {example.Name}", OwnOptions(example));
        if (example is CnnExample) help.Section("With --augment", CnnOptions.AugmentationOptions).Paragraph(AugmentationOptions.Note);
        return help.ToString();
    }

    private static string Writes(Example example) => example switch
    {
        GanExample => "samples-epoch-NN.png (every epoch), losses.png, generator.dsm, classifier.dsm\n(unless --classifier) and metrics.json",
        CnnExample or VitExample or ResNetExample => "run.json, history.csv, curves.png, accuracy.png (training against validation\naccuracy per epoch), model.dsm and, last, metrics.json",
        CharLmExample => "run.json, history.csv, curves.png, samples.txt, model.dsm, vectorizer.json and, last,\nmetrics.json (held-out bits per character and the unigram baseline's)",
        _ => "run.json, history.csv, curves.png, model.dsm and, last, metrics.json",
    };

    private const string Interrupts =
        "The first Ctrl-C (or SIGTERM) finishes the current batch, writes a backup (checkpoint.safetensors), history.csv and\n" +
        "a metrics.json saying \"complete\": false, and exits with 130; a second one quits at once. 'deepsharp train\n" +
        "--resume DIR' continues the run (also after a kill, from the last backup) to the same weights, bit for bit.";

    /// <summary>The example with its own options read (a new one each run, so that no setting carries over); the others have none.</summary>
    private static Example ParseExample(Example defaults, CommandLine options) => defaults switch
    {
        CnnExample => CnnOptions.Parse(options),
        GanExample => GanOptions.Parse(options),
        CharLmExample => CharLmOptions.Parse(options),
        _ => defaults,
    };

    /// <summary>The options only <paramref name="example"/> takes.</summary>
    public static IReadOnlyList<CliOption> OwnOptions(Example example) => example switch
    {
        CnnExample => CnnOptions.Options,
        GanExample => GanOptions.Options,
        CharLmExample => CharLmOptions.Options,
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

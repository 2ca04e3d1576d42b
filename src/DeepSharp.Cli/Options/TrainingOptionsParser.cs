using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>The options every <c>deepsharp train</c> example takes, read into <see cref="TrainingOptions"/>.</summary>
public static class TrainingOptionsParser
{
    /// <summary><c>--epochs N</c>.</summary>
    public static readonly CliOption Epochs = new("epochs", "N", "epochs to train (default: the example's)");

    /// <summary><c>--verbose N</c>.</summary>
    public static readonly CliOption Verbose = new("verbose", "N", "0 silent, 1 progress bar (default), 2 one line per epoch");

    /// <summary><c>--scale-lr</c>.</summary>
    public static readonly CliOption ScaleLearningRate = new("scale-lr", null,
        "under mpirun with N ranks: --batch-size per rank (a global batch N times larger)\nand the learning rate N times larger after a linear warm-up (Goyal et al.,\nHorovod); default: --batch-size is the global batch, as one process trains");

    /// <summary><c>--warmup N</c>.</summary>
    public static readonly CliOption WarmupEpochs = new("warmup", "N", "epochs of --scale-lr's warm-up (default 2)") { Requires = "--scale-lr" };

    /// <summary><c>--balance</c>.</summary>
    public static readonly CliOption BalanceRanks = new("balance", null,
        "under mpirun: each rank takes a share of every batch in proportion to its\nmeasured speed, set at each epoch's end (for cores or hosts that differ in\nspeed; the weights then depend on timings by rounding); default: equal shares");

    /// <summary><c>--resume DIR</c>.</summary>
    public static readonly CliOption Resume = new("resume", "DIR",
        "continue the run that stopped in DIR (Ctrl-C, a kill) from its backup, with the\noptions it started with (only --verbose and --data may be given again)");

    /// <summary><c>--save-freq N</c>.</summary>
    public static readonly CliOption SaveFreq = new("save-freq", "N",
        "back the run up every N batches as well (default: after each epoch and on Ctrl-C)");

    /// <summary>The shared options as <paramref name="example"/> takes them (its defaults in the help), or with generic defaults.</summary>
    public static IReadOnlyList<CliOption> Options(Example? example = null) =>
    [
        example is CharLmExample ? CommonOptions.Dataset.Describe("not for charlm: it reads --corpus") : CommonOptions.Dataset,
        example is null ? Epochs : Epochs.Describe($"epochs to train (default {example.DefaultEpochs})"),
        CommonOptions.BatchSize.Describe($"samples per step (default{(example is null ? ": the example's" : $" {example.DefaultBatchSize}")})"),
        example is CharLmExample ? CommonOptions.Data.Describe("not for charlm: it reads --corpus") : CommonOptions.Data,
        CommonOptions.Out.Describe($"output directory, created if missing (default: runs/{example?.Name ?? "<example>"}-<time>)"),
        CommonOptions.Seed.Describe("seed for weights, dropout and shuffling (default 42)"),
        CommonOptions.Threads,
        Verbose,
        CommonOptions.Limit.Describe(example is CharLmExample
            ? "use only the first N training and N held-out characters, for a quick trial\n(default: all)"
            : "use only the first N training and N test images, for a quick trial (default: all)"),
        ScaleLearningRate,
        WarmupEpochs,
        BalanceRanks,
        Resume,
        SaveFreq,
    ];

    /// <summary>
    /// Reads the shared options; the defaults of epochs and batch size are <paramref name="example"/>'s. The run trains
    /// over <see cref="Communicator.Start"/>'s ranks: start it first, so that the default of --threads is each rank's share of the cores.
    /// </summary>
    public static TrainingOptions Parse(CommandLine line, Example example)
    {
        bool scale = line.Flag(ScaleLearningRate);
        return Parse(line, example, scale, scale ? line.Int(WarmupEpochs, 2, 0, 10_000) : 2);
    }

    private static TrainingOptions Parse(CommandLine line, Example example, bool scale, int warmupEpochs) => new()
    {
        ScaleLearningRate = scale,
        WarmupEpochs = warmupEpochs,
        BalanceRanks = line.Flag(BalanceRanks),
        Dataset = line.Choice(CommonOptions.Dataset, "fashion-mnist", CommonOptions.DatasetNames),
        Epochs = line.Int(Epochs, example.DefaultEpochs, 1, 10_000),
        BatchSize = line.Int(CommonOptions.BatchSize, example.DefaultBatchSize, 1, 1 << 20),
        DataDirectory = line.String(CommonOptions.Data),
        OutputDirectory = line.String(CommonOptions.Out) ?? Path.Combine("runs", $"{example.Name}-{DateTime.Now:yyyyMMdd-HHmmss}"),
        Seed = line.Int(CommonOptions.Seed, 42, 0, int.MaxValue),
        Threads = CommonOptions.ReadThreads(line),
        Verbose = line.Int(Verbose, 1, 0, 2),
        Limit = line.Int(CommonOptions.Limit, 0, 0, int.MaxValue),
        SaveFreq = line.String(SaveFreq) is null ? null : line.Int(SaveFreq, 0, 1, int.MaxValue),
    };
}

namespace DeepSharp.Examples;

/// <summary>The settings every example's run takes (on the command line: the options every <c>deepsharp train</c> takes).</summary>
public sealed record TrainingOptions
{
    /// <summary>"fashion-mnist" or "mnist".</summary>
    public required string Dataset { get; init; }

    /// <summary>Epochs to train.</summary>
    public required int Epochs { get; init; }

    /// <summary>Samples per step.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Where the dataset files are, or null to search as the loaders do.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where to write the run's files; created when there is something to write.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Seed of weights, dropout and shuffling.</summary>
    public required long Seed { get; init; }

    /// <summary>Kernel threads.</summary>
    public required int Threads { get; init; }

    /// <summary>0 silent, 1 progress bar, 2 a line per epoch.</summary>
    public required int Verbose { get; init; }

    /// <summary>Use only the first this many training and test images (a quick trial run); 0 for all.</summary>
    public int Limit { get; init; }

    /// <summary>
    /// Continue the interrupted run in <see cref="OutputDirectory"/> from its backup (<see cref="BackupAndRestore"/>'s
    /// checkpoint there). Without it, a backup there is refused: it belongs to another run that did not finish.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Back up every this many batches as well as after each epoch (null: after each epoch only).</summary>
    public int? SaveFreq { get; init; }

    /// <summary>
    /// The command line that started the run (the words after <c>deepsharp train</c>), recorded in <c>run.json</c> so
    /// that <c>--resume</c> repeats it; null when the run was not started from a command line.
    /// </summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>The first <see cref="Limit"/> images of each split, or the splits themselves without a limit.</summary>
    public (DatasetSplit Train, DatasetSplit Test) ApplyLimit(DatasetSplit train, DatasetSplit test) =>
        Limit > 0 ? (First(train, Limit), First(test, Limit)) : (train, test);

    private static DatasetSplit First(DatasetSplit split, int count) =>
        count >= split.Count ? split : new DatasetSplit(Ops.Slice(split.X, 0, 0, count), Ops.Slice(split.Y, 0, 0, count));

    /// <summary>The dataset loader the options name.</summary>
    public IdxDataset DatasetLoader => Dataset == "mnist" ? Datasets.Mnist : Datasets.FashionMnist;
}

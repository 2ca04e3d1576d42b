namespace DeepSharp.Cli.Training;

/// <summary>The options every <c>deepsharp train</c> example takes.</summary>
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

    /// <summary>Where to write the run's files.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Seed of weights, dropout and shuffling.</summary>
    public required long Seed { get; init; }

    /// <summary>Kernel threads.</summary>
    public required int Threads { get; init; }

    /// <summary>0 silent, 1 progress bar, 2 a line per epoch.</summary>
    public required int Verbose { get; init; }

    /// <summary>Use only the first this many training and test images (a quick trial run); 0 for all.</summary>
    public int Limit { get; init; }

    /// <summary>Reads the shared options; example-specific defaults come from <paramref name="example"/>.</summary>
    public static TrainingOptions Parse(CommandLine line, string example, int defaultEpochs, int defaultBatchSize) => new()
    {
        Dataset = line.Choice("dataset", "fashion-mnist", "fashion-mnist", "mnist"),
        Epochs = line.Int("epochs", defaultEpochs, 1, 10_000),
        BatchSize = line.Int("batch-size", defaultBatchSize, 1, 1 << 20),
        DataDirectory = line.String("data"),
        OutputDirectory = line.String("out") ?? Path.Combine("runs", $"{example}-{DateTime.Now:yyyyMMdd-HHmmss}"),
        Seed = line.Int("seed", 42, 0, int.MaxValue),
        Threads = line.Int("threads", Parallelism.Threads, 1, 256),
        Verbose = line.Int("verbose", 1, 0, 2),
        Limit = line.Int("limit", 0, 0, int.MaxValue),
    };

    /// <summary>
    /// Fails before any training when <see cref="OutputDirectory"/> cannot become a directory: it or a folder on its
    /// path is a file, or the nearest existing folder cannot be written. The directory itself is made only once there
    /// is something to write, so a failed run leaves nothing behind.
    /// </summary>
    public void CheckOutputDirectory()
    {
        var existing = Path.GetFullPath(OutputDirectory);
        if (File.Exists(existing))
            throw new IOException($"--out '{OutputDirectory}' is a file; expected a directory (it is created if missing).");
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
                throw new IOException($"--out '{OutputDirectory}' cannot be created: '{existing}' is a file.");
            existing = Path.GetDirectoryName(existing) ?? throw new IOException($"--out '{OutputDirectory}': no folder on its path exists.");
        }
        var probe = Path.Combine(existing, $".deepsharp-write-check-{Environment.ProcessId}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--out '{OutputDirectory}' cannot be written: creating a file in '{existing}' failed ({e.Message}).", e);
        }
    }

    /// <summary>The first <see cref="Limit"/> images of each split, or the splits themselves without a limit.</summary>
    public (DatasetSplit Train, DatasetSplit Test) ApplyLimit(DatasetSplit train, DatasetSplit test) =>
        Limit > 0 ? (First(train, Limit), First(test, Limit)) : (train, test);

    private static DatasetSplit First(DatasetSplit split, int count) =>
        count >= split.Count ? split : new DatasetSplit(Ops.Slice(split.X, 0, 0, count), Ops.Slice(split.Y, 0, 0, count));

    /// <summary>The dataset loader the options name.</summary>
    public IdxDataset DatasetLoader => Dataset == "mnist" ? Datasets.Mnist : Datasets.FashionMnist;

    /// <summary>Help text for the shared options.</summary>
    public const string Help = """
          --dataset NAME    fashion-mnist (default) or mnist
          --epochs N        epochs to train (default: the example's)
          --batch-size N    samples per step (default: the example's)
          --data DIR        dataset directory (default: DEEPSHARP_DATA, ../shared/datasets, ~/.deepsharp/datasets, download)
          --out DIR         output directory (default: runs/<example>-<time>)
          --seed N          seed for weights, dropout and shuffling (default 42)
          --threads N       kernel threads (default: DEEPSHARP_THREADS or the core count)
          --verbose N       0 silent, 1 progress bar (default), 2 one line per epoch
          --limit N         use only the first N training and N test images, for a quick trial (default: all)
        """;
}

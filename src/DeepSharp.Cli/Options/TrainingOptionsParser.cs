using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>The options every <c>deepsharp train</c> example takes, read into <see cref="TrainingOptions"/>.</summary>
public static class TrainingOptionsParser
{
    /// <summary>Reads the shared options; the defaults of epochs and batch size are <paramref name="example"/>'s.</summary>
    public static TrainingOptions Parse(CommandLine line, Example example) => new()
    {
        Dataset = line.Choice("dataset", "fashion-mnist", "fashion-mnist", "mnist"),
        Epochs = line.Int("epochs", example.DefaultEpochs, 1, 10_000),
        BatchSize = line.Int("batch-size", example.DefaultBatchSize, 1, 1 << 20),
        DataDirectory = line.String("data"),
        OutputDirectory = line.String("out") ?? Path.Combine("runs", $"{example.Name}-{DateTime.Now:yyyyMMdd-HHmmss}"),
        Seed = line.Int("seed", 42, 0, int.MaxValue),
        Threads = line.Int("threads", Parallelism.Threads, 1, 256),
        Verbose = line.Int("verbose", 1, 0, 2),
        Limit = line.Int("limit", 0, 0, int.MaxValue),
    };

    /// <summary>
    /// Fails before any training when --out cannot become a directory: it or a folder on its path is a file, or the
    /// nearest existing folder cannot be written. The directory itself is made only once there is something to write,
    /// so a failed run leaves nothing behind.
    /// </summary>
    public static void CheckOutputDirectory(string outputDirectory)
    {
        var existing = Path.GetFullPath(outputDirectory);
        if (File.Exists(existing))
            throw new IOException($"--out '{outputDirectory}' is a file; expected a directory (it is created if missing).");
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
                throw new IOException($"--out '{outputDirectory}' cannot be created: '{existing}' is a file.");
            existing = Path.GetDirectoryName(existing) ?? throw new IOException($"--out '{outputDirectory}': no folder on its path exists.");
        }
        var probe = Path.Combine(existing, $".deepsharp-write-check-{Environment.ProcessId}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--out '{outputDirectory}' cannot be written: creating a file in '{existing}' failed ({e.Message}).", e);
        }
    }

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

using System.Diagnostics;

namespace DeepSharp.Examples;

/// <summary>
/// One of the classic examples <c>deepsharp train</c> runs (mlp, cnn, lstm, gru, gan, resnet): its name, its defaults, and a
/// run that loads the data, trains, and writes the report, the plots and the model into
/// <see cref="TrainingOptions.OutputDirectory"/>.
/// </summary>
/// <param name="name">The example's name (the word after <c>deepsharp train</c>).</param>
/// <param name="summary">One line that says what it trains.</param>
/// <param name="defaultEpochs">Epochs when none are asked for.</param>
/// <param name="defaultBatchSize">Batch size when none is asked for.</param>
public abstract class Example(string name, string summary, int defaultEpochs, int defaultBatchSize)
{
    /// <summary>The example's name (the word after <c>deepsharp train</c>).</summary>
    public string Name { get; } = name;

    /// <summary>One line that says what it trains.</summary>
    public string Summary { get; } = summary;

    /// <summary>Epochs when none are asked for.</summary>
    public int DefaultEpochs { get; } = defaultEpochs;

    /// <summary>Batch size when none is asked for.</summary>
    public int DefaultBatchSize { get; } = defaultBatchSize;

    /// <summary>
    /// Runs the example end to end: sets the threads and the seed, loads the dataset (the first
    /// <see cref="TrainingOptions.Limit"/> images of each split), trains, and writes its files. Returns the process exit
    /// code: 0, or 1 when training stopped on a non-finite loss. Over several ranks (<see cref="TrainingOptions.Communicator"/>)
    /// every rank trains and rank 0 alone prints and writes.
    /// </summary>
    public int Run(TrainingOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (!options.Writes) output = TextWriter.Null;
        Parallelism.Threads = options.Threads;
        // Every rank starts from rank 0's weights whatever its own; a seed of its own gives its dropout masks and noise
        // their own draws (the shuffling order is seeded apart and the same everywhere). Rank 0 draws as one process does.
        RandomGenerator.SetSeed(options.Seed + options.Communicator.Rank);
        var dataset = options.DatasetLoader;
        output.WriteLine($"Loading {dataset.Name}...");
        var clock = Stopwatch.StartNew();
        var (train, test) = dataset.Load(options.DataDirectory);
        (train, test) = options.ApplyLimit(train, test);
        output.WriteLine($"  {train.Count} training and {test.Count} test images ({clock.Elapsed.TotalSeconds:0.0}s)");
        if (options.Communicator.Size > 1)
            output.WriteLine($"Data-parallel over {options.Communicator.Size} ranks ({options.Communicator.Backend}), {options.Threads} kernel thread(s) each; " +
                $"global batch {options.GlobalBatchSize}{(options.ScaleLearningRate ? $", learning rate × {options.Communicator.Size} after a {options.WarmupEpochs}-epoch warm-up" : "")}");
        return Run(dataset, train, test, options, output);
    }

    /// <summary>Trains on the loaded data and writes the example's files; returns the exit code.</summary>
    protected abstract int Run(IdxDataset dataset, DatasetSplit train, DatasetSplit test, TrainingOptions options, TextWriter output);
}

namespace DeepSharp.Examples;

/// <summary>
/// One of the examples <c>deepsharp train</c> runs (mlp, cnn, lstm, gru, vit, resnet, gan on images: <see cref="ImageExample"/>;
/// charlm on text): its name, its defaults, and a run that loads the data, trains, and writes the report, the plots
/// and the model into <see cref="TrainingOptions.OutputDirectory"/>.
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
    /// Runs the example end to end: sets the threads and the seed, then loads its data, trains, and writes its files
    /// (<see cref="Train"/>). Returns the process exit code: 0, or 1 when training stopped on a non-finite loss. Over
    /// several ranks (<see cref="TrainingOptions.Communicator"/>) every rank trains and rank 0 alone prints and writes.
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
        return Train(options, output);
    }

    /// <summary>Loads the example's data, trains and writes its files (threads and seed already set); returns the exit code.</summary>
    protected abstract int Train(TrainingOptions options, TextWriter output);
}

using System.Diagnostics;

namespace DeepSharp.Examples;

/// <summary>
/// An example that trains on an image dataset (mlp, cnn, lstm, gru, gan): loads Fashion-MNIST or MNIST (the first
/// <see cref="TrainingOptions.Limit"/> images of each split) and hands the splits to the example's run.
/// </summary>
/// <param name="name">The example's name (the word after <c>deepsharp train</c>).</param>
/// <param name="summary">One line that says what it trains.</param>
/// <param name="defaultEpochs">Epochs when none are asked for.</param>
/// <param name="defaultBatchSize">Batch size when none is asked for.</param>
public abstract class ImageExample(string name, string summary, int defaultEpochs, int defaultBatchSize)
    : Example(name, summary, defaultEpochs, defaultBatchSize)
{
    /// <inheritdoc/>
    protected sealed override int Train(TrainingOptions options, TextWriter output)
    {
        var dataset = options.DatasetLoader;
        output.WriteLine($"Loading {dataset.Name}...");
        var clock = Stopwatch.StartNew();
        var (train, test) = dataset.Load(options.DataDirectory);
        (train, test) = options.ApplyLimit(train, test);
        output.WriteLine($"  {train.Count} training and {test.Count} test images ({clock.Elapsed.TotalSeconds:0.0}s)");
        if (options.Communicator.Size > 1)
            output.WriteLine($"Data-parallel over {options.Communicator.Size} ranks ({options.Communicator.Backend}), {options.Threads} kernel thread(s) each; " +
                $"global batch {options.GlobalBatchSize}{(options.ScaleLearningRate ? $", learning rate × {options.Communicator.Size} after a {options.WarmupEpochs}-epoch warm-up" : "")}" +
                (options.BalanceRanks ? "; shares of each batch by the ranks' speed" : ""));
        return Run(dataset, train, test, options, output);
    }

    /// <summary>Trains on the loaded data and writes the example's files; returns the exit code.</summary>
    protected abstract int Run(IdxDataset dataset, DatasetSplit train, DatasetSplit test, TrainingOptions options, TextWriter output);
}

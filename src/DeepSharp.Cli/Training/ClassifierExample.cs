using System.Diagnostics;
using System.Text.Json.Nodes;
using DeepSharp.Plots;

namespace DeepSharp.Cli.Training;

/// <summary>
/// One of the classic image classifiers <c>deepsharp train</c> runs (mlp, cnn, lstm, gru): how its model is
/// built and fed; loading data, training, evaluating and writing the report are shared.
/// </summary>
public abstract class ClassifierExample
{
    /// <summary>The name on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>One line for help.</summary>
    public abstract string Summary { get; }

    /// <summary>Epochs when --epochs is not given.</summary>
    public abstract int DefaultEpochs { get; }

    /// <summary>Batch size when --batch-size is not given.</summary>
    public abstract int DefaultBatchSize { get; }

    /// <summary>Reads the example's own options (flags such as --augment) before training.</summary>
    public virtual void ReadOptions(CommandLine line)
    {
    }

    /// <summary>Help text for the example's own options.</summary>
    public virtual string OptionsHelp => "";

    /// <summary>The model, compiled.</summary>
    public abstract Model BuildModel(int classes);

    /// <summary>Inputs as the model takes them (images are [N, 28, 28]; a CNN wants [N, 28, 28, 1]).</summary>
    public virtual Tensor PrepareInputs(Tensor images) => images;

    /// <summary>Trains; by default with Keras' validationSplit 0.1.</summary>
    public virtual History Train(Model model, Tensor x, Tensor y, Tensor testX, Tensor testY, TrainingOptions options) =>
        model.Fit(x, y, batchSize: options.BatchSize, epochs: options.Epochs, verbose: options.Verbose,
            validationSplit: 0.1, seed: options.Seed);

    /// <summary>
    /// Writes extra pictures into <paramref name="directory"/> and adds extra values to <paramref name="metrics"/>
    /// (accuracy.png and the flags for the CNN); returns the names of the files written.
    /// </summary>
    public virtual IReadOnlyList<string> WriteExtras(string directory, History history, JsonObject metrics) => [];

    /// <summary>Runs the example end to end; returns the process exit code.</summary>
    public int Run(TrainingOptions options, TextWriter output)
    {
        Parallelism.Threads = options.Threads;
        RandomGenerator.SetSeed(options.Seed);
        options.CheckOutputDirectory();
        var dataset = options.DatasetLoader;
        output.WriteLine($"Loading {dataset.Name}...");
        var clock = Stopwatch.StartNew();
        var (train, test) = dataset.Load(options.DataDirectory);
        (train, test) = options.ApplyLimit(train, test);
        output.WriteLine($"  {train.Count} training and {test.Count} test images ({clock.Elapsed.TotalSeconds:0.0}s)");
        var x = PrepareInputs(train.X);
        var testX = PrepareInputs(test.X);

        var model = BuildModel(dataset.ClassCount);
        if (options.Verbose > 0) model.Summary(output);
        var history = Train(model, x, train.Y, testX, test.Y, options);
        if (history.StoppedOnNaN)
        {
            output.WriteLine($"Training stopped: {history.StopReason}");
            output.WriteLine("No model was written.");
            return 1;
        }
        var result = model.Evaluate(testX, test.Y, batchSize: Math.Max(options.BatchSize, 256), verbose: 0);
        output.WriteLine($"Test loss: {result.Loss:0.0000} - test accuracy: {result.Values[1].Value:0.0000}");
        output.WriteLine($"Training throughput: {history.SamplesPerSecond:N0} samples/s (steady state)");

        var directory = options.OutputDirectory;
        Directory.CreateDirectory(directory);
        var metrics = new JsonObject();
        var extraFiles = WriteExtras(directory, history, metrics);
        RunReport.Write(directory, Name, options, history, result, metrics);
        history.Plot(Path.Combine(directory, "curves.png"), $"{Name} on {dataset.Name}");
        model.Save(Path.Combine(directory, "model.dsm"));
        output.WriteLine($"Wrote {Path.GetFullPath(directory)}: metrics.json, history.csv, curves.png, model.dsm" +
            string.Concat(extraFiles.Select(file => ", " + file)));
        return 0;
    }

    /// <summary>The first <paramref name="count"/> samples of a split (all of them if it has fewer), as views.</summary>
}

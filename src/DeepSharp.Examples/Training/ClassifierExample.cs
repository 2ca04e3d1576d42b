using System.Text.Json.Nodes;

namespace DeepSharp.Examples;

/// <summary>
/// One of the classic image classifiers (mlp, cnn, lstm, gru): how its model is built and fed; loading data,
/// training with Adam, evaluating and writing the report are shared.
/// </summary>
/// <param name="name">The example's name.</param>
/// <param name="summary">One line that says what it trains.</param>
/// <param name="defaultEpochs">Epochs when none are asked for.</param>
/// <param name="defaultBatchSize">Batch size when none is asked for.</param>
/// <param name="learningRate">Adam's learning rate.</param>
public abstract class ClassifierExample(string name, string summary, int defaultEpochs, int defaultBatchSize, double learningRate)
    : ImageExample(name, summary, defaultEpochs, defaultBatchSize)
{
    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>The architecture, uncompiled.</summary>
    protected abstract Model Architecture(int classes);

    /// <summary>The model, compiled with Adam at <see cref="LearningRate"/>, sparse categorical cross-entropy and accuracy.</summary>
    public Model BuildModel(int classes)
    {
        var model = Architecture(classes);
        model.Compile(optimizer: new Adam(learningRate: LearningRate), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    /// <summary>The model for a run: <see cref="BuildModel(int)"/>, trained over the run's ranks with its learning rate (scaled when asked).</summary>
    private Model BuildModel(int classes, TrainingOptions options, int samples)
    {
        var model = BuildModel(classes);
        model.Communicator = options.Communicator;
        model.BalanceRanks = options.BalanceRanks;
        if (options.ScaleLearningRate) model.Optimizer!.LearningRate = options.Scaled(LearningRate, samples);
        return model;
    }

    /// <summary>Inputs as the model takes them (images are [N, 28, 28]; a CNN wants [N, 28, 28, 1]).</summary>
    public virtual Tensor PrepareInputs(Tensor images) => images;

    /// <summary>Trains with <paramref name="callbacks"/> (the run's backup); by default with Keras' validationSplit 0.1.</summary>
    public virtual History Train(Model model, Tensor x, Tensor y, Tensor testX, Tensor testY, TrainingOptions options, IReadOnlyList<Callback>? callbacks = null) =>
        model.Fit(x, y, batchSize: options.GlobalBatchSize, epochs: options.Epochs, verbose: options.Verbose,
            callbacks: callbacks, validationSplit: 0.1, seed: options.Seed);

    /// <summary>
    /// Writes extra pictures into <paramref name="directory"/> and adds extra values to <paramref name="metrics"/>
    /// (accuracy.png and the flags for the CNN); returns the names of the files written.
    /// </summary>
    public virtual IReadOnlyList<string> WriteExtras(string directory, History history, JsonObject metrics) => [];

    /// <summary>
    /// Trains (on one process backing up into the output directory, continuing its backup with
    /// <see cref="TrainingOptions.Resume"/>), evaluates on the test set and writes history.csv, curves.png, the extras,
    /// model.dsm and, last, metrics.json; returns 0, 1 when training stopped on a non-finite loss (then no model is
    /// written), or <see cref="RunFolder.InterruptedExitCode"/> when Ctrl-C or SIGTERM stopped it (then the backup,
    /// history.csv, curves.png and a metrics.json saying <c>"complete": false</c> are written). Over several ranks, rank 0
    /// alone evaluates and writes (the weights are the same on every rank), and no backup is kept.
    /// </summary>
    protected override int Run(IdxDataset dataset, DatasetSplit train, DatasetSplit test, TrainingOptions options, TextWriter output)
    {
        var x = PrepareInputs(train.X);
        var testX = PrepareInputs(test.X);

        var model = BuildModel(dataset.ClassCount, options, train.Count);
        if (options.Verbose > 0) model.Summary(output);
        var directory = options.OutputDirectory;
        // One process keeps a backup; a rank of a data-parallel run cannot stop or resume alone (BackupAndRestore refuses).
        var backup = options.Communicator.Size == 1 ? RunFolder.Begin(Name, options, output) : null;
        var history = Train(model, x, train.Y, testX, test.Y, options, backup is null ? null : [backup]);
        if (RunReport.EndUnfinished(Name, options, history, $"{Name} on {dataset.Name}", output) is { } exitCode) return exitCode;
        if (!options.Writes) return 0;
        var result = model.Evaluate(testX, test.Y, batchSize: Math.Max(options.BatchSize, 256), verbose: 0);
        output.WriteLine($"Test loss: {result.Loss:0.0000} - test accuracy: {result.Values[1].Value:0.0000}");
        output.WriteLine($"Training throughput: {history.SamplesPerSecond:N0} samples/s (steady state)");

        // metrics.json last: a folder that has it, saying "complete", holds a finished run (RunReport's remarks).
        Directory.CreateDirectory(directory);
        var extras = new JsonObject();
        var extraFiles = WriteExtras(directory, history, extras);
        RunReport.EndFinished(Name, options, model, history, result, extras, $"{Name} on {dataset.Name}", extraFiles, output);
        return 0;
    }
}

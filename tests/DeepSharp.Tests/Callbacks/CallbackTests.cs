namespace DeepSharp.Tests.Callbacks;

public class CallbackTests
{
    private static (Sequential Model, Tensor X, Tensor Y) Regression(int seed)
    {
        RandomGenerator.SetSeed(seed);
        var rng = new RandomGenerator(seed);
        var x = Tensor.RandomNormal([64, 3], generator: rng);
        var w = Tensor.FromArray([1f, -2f, 0.5f], 3, 1);
        var y = x.MatMul(w).Detach();
        var model = new Sequential(new Dense(1, inputShape: [3]));
        model.Compile(new SGD(learningRate: 0.05f), "mse");
        return (model, x, y);
    }

    [Fact]
    public void History_records_one_value_per_epoch_for_each_key()
    {
        var (model, x, y) = Regression(1);
        var history = model.Fit(x, y, epochs: 4, verbose: 0, validationSplit: 0.25);
        Assert.Equal([0, 1, 2, 3], history.Epochs);
        Assert.Equal(4, history["loss"].Count);
        Assert.Equal(4, history["val_loss"].Count);
        var e = Assert.Throws<KeyNotFoundException>(() => history["accuracy"]);
        Assert.Contains("val_loss", e.Message);
    }

    [Fact]
    public void EarlyStopping_stops_when_the_monitor_stalls_and_restores_the_best_weights()
    {
        var (model, x, y) = Regression(2);
        var values = new Queue<double>([1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
        float[][]? weightsAtBest = null;
        var fake = new LambdaCallback(onEpochEnd: (epoch, logs) =>
        {
            ((Dictionary<string, double>)logs)["score"] = values.Dequeue();
            if (epoch == 1) weightsAtBest = model.GetWeights();
        });
        var stopping = new EarlyStopping(monitor: "score", patience: 2, restoreBestWeights: true);
        var history = model.Fit(x, y, epochs: 7, verbose: 0, callbacks: [fake, stopping]);
        Assert.Equal(4, history.Epochs.Count); // best at epoch 1, two epochs without improvement, stop after epoch 3
        Assert.Equal(3, stopping.StoppedEpoch);
        Assert.Equal(1, stopping.BestEpoch);
        Assert.Equal(weightsAtBest![0], model.GetWeights()[0]);
        Assert.Contains("EarlyStopping", history.StopReason);
    }

    [Fact]
    public void ReduceLROnPlateau_divides_the_learning_rate_after_patience()
    {
        var (model, x, y) = Regression(3);
        var flat = new LambdaCallback(onEpochEnd: (_, logs) => ((Dictionary<string, double>)logs)["flat"] = 1.0);
        var reduce = new ReduceLROnPlateau(monitor: "flat", factor: 0.5, patience: 2);
        model.Fit(x, y, epochs: 5, verbose: 0, callbacks: [flat, reduce]);
        // Epoch 0 sets the best; epochs 1-2 stall → halve; epochs 3-4 stall → halve again.
        Assert.Equal(0.05f / 4, model.Optimizer!.CurrentLearningRate, 6);
    }

    [Fact]
    public void Checkpoint_and_plateau_messages_go_where_the_progress_bar_writes()
    {
        var (model, x, y) = Regression(6);
        var scores = new Queue<double>([1.0, 0.5, 0.5, 0.5]);
        var score = new LambdaCallback(onEpochEnd: (_, logs) => ((Dictionary<string, double>)logs)["score"] = scores.Dequeue());
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-ckpt-{Guid.NewGuid():N}.dsm");
        var output = new StringWriter();
        try
        {
            using (ProgressBar.RedirectTo(output, isTerminal: false))
                model.Fit(x, y, epochs: 4, verbose: 0, callbacks: [score,
                    new ModelCheckpoint(path, monitor: "score", saveBestOnly: true, verbose: 1),
                    new ReduceLROnPlateau(monitor: "score", factor: 0.5, patience: 2, verbose: 1)]);
        }
        finally
        {
            File.Delete(path);
        }
        var text = output.ToString();
        Assert.Contains("Epoch 2: score improved from 1 to 0.5, saving model.", text);
        Assert.Contains("Epoch 4: ReduceLROnPlateau reducing learning rate to 0.025.", text);
    }

    [Fact]
    public void CSVLogger_writes_a_header_and_a_line_per_epoch()
    {
        var (model, x, y) = Regression(4);
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-csv-{Guid.NewGuid():N}.csv");
        try
        {
            model.Fit(x, y, epochs: 3, verbose: 0, validationSplit: 0.25, callbacks: [new CSVLogger(path)]);
            var lines = File.ReadAllLines(path);
            Assert.Equal("epoch,loss,val_loss", lines[0]);
            Assert.Equal(4, lines.Length);
            Assert.StartsWith("2,", lines[3]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Lambda_callback_sees_every_batch_and_epoch()
    {
        var (model, x, y) = Regression(5);
        int batches = 0, epochs = 0;
        model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0,
            callbacks: [new LambdaCallback(onBatchEnd: (_, _) => batches++, onEpochEnd: (_, _) => epochs++)]);
        Assert.Equal(8, batches);
        Assert.Equal(2, epochs);
    }

    [Fact]
    public void Checkpoint_paths_fill_placeholders_like_keras()
    {
        var logs = new Dictionary<string, double> { ["val_loss"] = 0.12345 };
        Assert.Equal("ckpt-03-0.12.dsm", ModelCheckpoint.FormatPath("ckpt-{epoch:02d}-{val_loss:.2f}.dsm", 2, logs));
        var e = Assert.Throws<KeyNotFoundException>(() => ModelCheckpoint.FormatPath("{val_acc}.dsm", 0, logs));
        Assert.Contains("val_acc", e.Message);
    }
}

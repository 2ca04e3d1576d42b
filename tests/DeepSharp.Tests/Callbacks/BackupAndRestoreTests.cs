using DeepSharp.Examples;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Callbacks;

/// <summary>
/// A real (small) training stopped at a batch and continued by <see cref="BackupAndRestore"/> ends with the weights and
/// the history of the same run never stopped, bit for bit: the seed MLP with dropout, and the seed CNN on augmented images.
/// </summary>
public class BackupAndRestoreTests
{
    /// <summary>Asks Fit to stop after batch <c>batch</c> of epoch <c>epoch</c> (batch −1: at the epoch's end).</summary>
    internal sealed class InterruptAt(int epoch, int batch) : Callback
    {
        private int _epoch;

        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs) => _epoch = epoch;

        public override void OnTrainBatchEnd(int batch1, IReadOnlyDictionary<string, double> logs)
        {
            if (_epoch == epoch && batch1 == batch) Assert.True(Model.InterruptTraining("test"));
        }

        public override void OnEpochEnd(int epoch1, IReadOnlyDictionary<string, double> logs)
        {
            if (epoch1 == epoch && batch == -1) Model.InterruptTraining("test");
        }
    }

    private static (Tensor X, Tensor Y) FashionMnist(int count, bool images)
    {
        using var train = Datasets.FashionMnist.LoadTrain(SharedData.Directory);
        var x = train.X.Slice(0, 0, count).ContiguousCopy();
        return (images ? x.Reshape(count, 28, 28, 1) : x, train.Y.Slice(0, 0, count).ContiguousCopy());
    }

    // ---- the seed MLP with dropout: 288 training images (9 batches of 32), 32 for validation, 3 epochs ----------

    private static Model Mlp(long seed)
    {
        RandomGenerator.SetSeed(seed);
        var model = SeedModels.Mlp();
        model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
        return model;
    }

    private static History FitMlp(Model model, (Tensor X, Tensor Y) data, params Callback[] callbacks) =>
        model.Fit(data.X, data.Y, batchSize: 32, epochs: 3, verbose: 0, callbacks: callbacks, validationSplit: 0.1);

    [Theory]
    [InlineData(0, 0)]  // after the first batch
    [InlineData(1, 4)]  // in the middle of an epoch
    [InlineData(1, 8)]  // after the last batch of an epoch, before its validation
    [InlineData(0, -1)] // between two epochs
    [InlineData(2, 8)]  // after the last batch of the run
    public void The_mlp_stopped_at_a_batch_and_resumed_ends_as_the_run_never_stopped(int epoch, int batch)
    {
        var data = FashionMnist(320, images: false);
        var expected = Mlp(7);
        var expectedHistory = FitMlp(expected, data);
        using var dir = new TempDirectory();

        var stopped = FitMlp(Mlp(7), data, new BackupAndRestore(dir.Path), new InterruptAt(epoch, batch));

        Assert.True(stopped.Interrupted);
        Assert.False(stopped.StoppedOnNaN);
        Assert.Contains("Interrupted (test)", stopped.StopReason);
        var checkpoint = TrainingCheckpoint.Load(dir.File(BackupAndRestore.CheckpointFileName));
        Assert.Equal(batch == -1 ? (epoch + 1, 0) : (epoch, batch + 1), (checkpoint.Epoch, checkpoint.Step));
        Assert.Equal("test", checkpoint.InterruptReason);

        // Another process would build the model afresh: another seed, so that weights, dropout streams and the
        // shuffling seed all come from the backup.
        var backup = new BackupAndRestore(dir.Path);
        var resumed = Mlp(1234);
        var history = FitMlp(resumed, data, backup);

        Assert.NotNull(backup.Restored);
        Assert.False(history.Interrupted);
        AssertSameWeights(expected, resumed);
        AssertSameHistory(expectedHistory, history);
        Assert.Equal(expected.Optimizer!.Iterations, resumed.Optimizer!.Iterations);
        Assert.False(File.Exists(backup.CheckpointPath)); // deleted when the run ends normally
    }

    [Fact]
    public void A_run_stopped_twice_and_backed_up_every_few_batches_ends_as_the_run_never_stopped()
    {
        var data = FashionMnist(320, images: false);
        var expected = Mlp(8);
        var expectedHistory = FitMlp(expected, data);
        using var dir = new TempDirectory();

        Assert.True(FitMlp(Mlp(8), data, new BackupAndRestore(dir.Path, saveFreq: 4), new InterruptAt(0, 6)).Interrupted);
        var second = new BackupAndRestore(dir.Path, saveFreq: 4);
        Assert.True(FitMlp(Mlp(9), data, second, new InterruptAt(2, 1)).Interrupted);
        Assert.Equal((0, 7), (second.Restored!.Epoch, second.Restored.Step));
        // Two periodic backups (in epoch 1, every 4 batches from the last backup), two at epoch ends, one on the interrupt.
        Assert.Equal(5, second.Saves);
        var resumed = Mlp(10);
        var history = FitMlp(resumed, data, new BackupAndRestore(dir.Path, saveFreq: 4));

        AssertSameWeights(expected, resumed);
        AssertSameHistory(expectedHistory, history);
    }

    [Fact]
    public void A_run_killed_between_backups_resumes_from_the_last_one_and_ends_as_the_run_never_stopped()
    {
        // A kill leaves the backup of the last epoch's end: the epoch in progress is trained again from it.
        var data = FashionMnist(320, images: false);
        var expected = Mlp(11);
        FitMlp(expected, data);
        using var dir = new TempDirectory();
        var killed = Mlp(11);
        byte[]? lastBackup = null;
        var kill = new LambdaCallback(onBatchEnd: (batch, _) =>
        {
            if (killed.Optimizer!.Iterations == 13) lastBackup = File.ReadAllBytes(dir.File(BackupAndRestore.CheckpointFileName));
        });
        FitMlp(killed, data, new BackupAndRestore(dir.Path, handleInterrupts: false), kill);
        File.WriteAllBytes(dir.File(BackupAndRestore.CheckpointFileName), lastBackup!); // as the kill left it

        var resumed = Mlp(12);
        FitMlp(resumed, data, new BackupAndRestore(dir.Path));

        Assert.Equal(9, TrainingCheckpoint.FromBytes(lastBackup!).Iterations);
        AssertSameWeights(expected, resumed);
    }

    // ---- the seed CNN on 200 augmented images (7 batches, the last of 8) with a cosine learning rate, 2 epochs ----

    private static Model Cnn(long seed, int steps)
    {
        RandomGenerator.SetSeed(seed);
        var model = SeedModels.Cnn(10);
        model.Compile(new Adam(learningRate: new CosineDecay(1e-3, decaySteps: steps)), "sparse_categorical_crossentropy", ["accuracy"]);
        return model;
    }

    private static History FitCnn(Model model, (Tensor X, Tensor Y) data, (Tensor X, Tensor Y) validation, params Callback[] callbacks)
    {
        using var flow = CnnAugmentation.Default().Flow(data.X, data.Y, batchSize: 32, shuffle: true, seed: 5);
        return model.Fit(flow, epochs: 2, verbose: 0, callbacks: callbacks, validationData: validation, validationBatchSize: 100);
    }

    [Theory]
    [InlineData(0, 6)] // after the last, smaller batch of the first epoch
    [InlineData(1, 2)] // in the middle of the second
    public void The_cnn_on_augmented_images_stopped_at_a_batch_and_resumed_ends_as_the_run_never_stopped(int epoch, int batch)
    {
        var all = FashionMnist(300, images: true);
        var data = (DeepSharp.Ops.Slice(all.X, 0, 0, 200), DeepSharp.Ops.Slice(all.Y, 0, 0, 200));
        var validation = (DeepSharp.Ops.Slice(all.X, 0, 200, 300), DeepSharp.Ops.Slice(all.Y, 0, 200, 300));
        var expected = Cnn(21, steps: 14);
        var expectedHistory = FitCnn(expected, data, validation);
        using var dir = new TempDirectory();

        Assert.True(FitCnn(Cnn(21, steps: 14), data, validation, new BackupAndRestore(dir.Path), new InterruptAt(epoch, batch)).Interrupted);
        var resumed = Cnn(22, steps: 14);
        var history = FitCnn(resumed, data, validation, new BackupAndRestore(dir.Path));

        AssertSameWeights(expected, resumed);
        AssertSameHistory(expectedHistory, history);
    }

    // ---- other random streams and optimizer state: recurrent dropout, batch normalization, Nadam -------------------

    [Fact]
    public void Recurrent_dropout_batch_normalization_and_nadam_resume_bit_for_bit()
    {
        static Model Build(long seed)
        {
            RandomGenerator.SetSeed(seed);
            var model = new Sequential(
                new GRU(8, dropout: 0.2, recurrentDropout: 0.3, returnSequences: true, inputShape: [5, 3]),
                new LSTM(6, dropout: 0.1, recurrentDropout: 0.2),
                new BatchNormalization(),
                new Dropout(0.25),
                new Dense(3, activation: "softmax"));
            model.Compile(new Nadam(learningRate: 3e-3), "sparse_categorical_crossentropy", ["accuracy"]);
            return model;
        }
        var random = new RandomGenerator(3);
        var x = Tensor.RandomNormal([90, 5, 3], generator: random);
        var y = Tensor.FromArray(Enumerable.Range(0, 90).Select(i => (float)(i % 3)).ToArray());
        History Fit(Model model, params Callback[] callbacks) =>
            model.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0, callbacks: callbacks, seed: 4);
        var expected = Build(30);
        var expectedHistory = Fit(expected);
        using var dir = new TempDirectory();

        Assert.True(Fit(Build(30), new BackupAndRestore(dir.Path), new InterruptAt(1, 2)).Interrupted);
        var resumed = Build(31);
        var history = Fit(resumed, new BackupAndRestore(dir.Path));

        AssertSameWeights(expected, resumed);
        AssertSameHistory(expectedHistory, history);
    }

    // ---- behaviour -------------------------------------------------------------------------------------------------

    [Fact]
    public void A_backup_of_another_architecture_is_refused_and_changes_nothing()
    {
        var data = FashionMnist(64, images: false);
        using var dir = new TempDirectory();
        Assert.True(FitMlp(Mlp(1), data, new BackupAndRestore(dir.Path), new InterruptAt(0, 0)).Interrupted);
        RandomGenerator.SetSeed(2);
        var other = new Sequential(new Flatten(inputShape: [28, 28]), new Dense(10, activation: "softmax"));
        other.Compile("adam", "sparse_categorical_crossentropy");
        var before = other.GetWeights();

        var e = Assert.Throws<ArgumentException>(() => FitMlp(other, data, new BackupAndRestore(dir.Path)));

        Assert.Contains("the checkpoint holds 4 weights", e.Message);
        Assert.Contains("the model has 2", e.Message);
        Assert.Equal(before, other.GetWeights());
        Assert.True(File.Exists(dir.File(BackupAndRestore.CheckpointFileName)));
    }

    [Fact]
    public void Without_a_backup_fit_starts_afresh_and_with_delete_checkpoint_false_keeps_the_final_one()
    {
        var data = FashionMnist(64, images: false);
        using var dir = new TempDirectory();
        var backup = new BackupAndRestore(dir.Path, deleteCheckpoint: false);

        var history = FitMlp(Mlp(3), data, backup);

        Assert.Null(backup.Restored);
        Assert.False(history.Interrupted);
        Assert.Equal(3, backup.Saves); // after each epoch; the last one at the run's end
        var final = TrainingCheckpoint.Load(backup.CheckpointPath);
        Assert.True(final.IsFinished);
        Assert.Equal((3, 0, 3), (final.Epoch, final.Step, final.Epochs));
        Assert.Equal(history.Epochs, final.HistoryEpochs);

        // Fit again with it: nothing is left to train, and the history is the finished run's.
        var again = FitMlp(Mlp(4), data, new BackupAndRestore(dir.Path));
        Assert.Equal(history["loss"], again["loss"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Arguments_are_checked(int saveFreq)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new BackupAndRestore("dir", saveFreq: saveFreq));
        Assert.Contains($"got {saveFreq}", e.Message);
        Assert.Contains("backupDir", Assert.Throws<ArgumentException>(() => new BackupAndRestore(" ")).Message);
    }

    [Fact]
    public void Interrupting_outside_fit_does_nothing()
    {
        Assert.False(Mlp(5).InterruptTraining());
    }

    internal static void AssertSameWeights(Model expected, Model actual)
    {
        var a = expected.GetWeights();
        var b = actual.GetWeights();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
        {
            int differ = 0;
            for (int j = 0; j < a[i].Length; j++)
                if (BitConverter.SingleToInt32Bits(a[i][j]) != BitConverter.SingleToInt32Bits(b[i][j])) differ++;
            Assert.True(differ == 0, $"weight {i} ({expected.Weights[i].Name}): {differ} of {a[i].Length} values differ");
        }
    }

    internal static void AssertSameHistory(History expected, History actual)
    {
        Assert.Equal(expected.Epochs, actual.Epochs);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var key in expected.Keys)
            Assert.Equal(expected[key].Select(BitConverter.DoubleToInt64Bits), actual[key].Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expected.EpochSamples, actual.EpochSamples);
    }
}

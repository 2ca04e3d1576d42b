using DeepSharp.Tests.Data;
using DeepSharp.Tests.Distributed;

namespace DeepSharp.Tests.Models;

/// <summary>
/// Fit over several ranks, the ranks being threads of the test process (<see cref="InProcessGroup"/>): N ranks train as
/// one process with the same global batch, stay bit-identical after every step, report the loss and metrics of all
/// ranks, and agree on stopping. The same over a real mpirun: DistributedTrainingTests.
/// </summary>
public class DataParallelTrainingTests
{
    private const int Inputs = 4, Classes = 3;

    /// <summary>Samples whose class follows from their inputs, so that the accuracy moves.</summary>
    private static (Tensor X, Tensor Y) Data(int samples, int seed = 3)
    {
        var random = new Random(seed);
        var x = new float[samples * Inputs];
        var y = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            for (int j = 0; j < Inputs; j++) x[i * Inputs + j] = (float)(random.NextDouble() * 2 - 1);
            y[i] = (x[i * Inputs] > 0 ? 1 : 0) + (x[i * Inputs + 1] > 0.3f ? 1 : 0);
        }
        return (Tensor.FromArray(x, samples, Inputs), Tensor.FromArray(y, samples));
    }

    private static Sequential Model(int seed, bool batchNorm = false)
    {
        RandomGenerator.SetSeed(seed);
        Layer[] layers = batchNorm
            ? [new Dense(8, inputShape: [Inputs]), new BatchNormalization(), new Activation("relu"), new Dense(Classes, activation: "softmax")]
            : [new Dense(8, activation: "relu", inputShape: [Inputs]), new Dense(Classes, activation: "softmax")];
        var model = new Sequential(layers);
        model.Compile(new Adam(learningRate: 1e-2f), "sparse_categorical_crossentropy", ["accuracy"]);
        return model;
    }

    private sealed record Run(float[][] Weights, List<ulong> Hashes, IReadOnlyDictionary<string, IReadOnlyList<double>> History, double SamplesPerEpoch);

    /// <summary>Fits on <paramref name="communicator"/>'s ranks, every rank's initial weights its own (Fit starts them from rank 0's).</summary>
    private static Run Fit(ICommunicator communicator, int samples, int batchSize, long? seed, bool batchNorm = false)
    {
        var (x, y) = Data(samples);
        var model = Model(100 + communicator.Rank, batchNorm);
        model.Communicator = communicator;
        var hashes = new List<ulong>();
        var history = model.Fit(x, y, batchSize: batchSize, epochs: 2, verbose: 0, validationSplit: 0.2, seed: seed,
            callbacks: [new LambdaCallback(onBatchEnd: (_, _) => hashes.Add(ReplicaCheck.Hash(model.Weights)))]);
        return new Run(model.GetWeights(), hashes, history.Values, history.EpochSamples[0]);
    }

    /// <summary>The largest difference of each tensor, relative to its largest value (elementwise ratios near 0 measure only rounding).</summary>
    private static void AssertClose(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            float scale = expected[t].Max(Math.Abs);
            float worst = expected[t].Zip(actual[t], (e, a) => Math.Abs(e - a)).Max() / scale;
            Assert.True(worst <= 1e-5f, $"weight {t}: max relative difference {worst:g3} > 1e-5");
        }
    }

    [Theory]
    [InlineData(2, 80, 16)]   // 8 rows a rank
    [InlineData(3, 97, 16)]   // shares of 6, 5, 5; the last training batch (77 = 4·16 + 13) is 5, 4, 4
    [InlineData(2, 60, 15)]   // 8 and 7 rows: each rank's gradients weighted by its share
    public void Ranks_train_as_one_process_with_the_same_global_batch_and_stay_identical_after_every_step(int ranks, int samples, int batchSize)
    {
        var runs = InProcessGroup.Run(ranks, c => Fit(c, samples, batchSize, seed: 5));
        var alone = Fit(SingleProcessCommunicator.Instance, samples, batchSize, seed: 5);

        int steps = 2 * ((samples - (int)(samples * 0.2) + batchSize - 1) / batchSize);
        foreach (var run in runs)
        {
            Assert.Equal(steps, run.Hashes.Count);
            Assert.Equal(runs[0].Hashes, run.Hashes);                  // bit-identical replicas after every step
            Assert.Equal(runs[0].Weights.SelectMany(w => w), run.Weights.SelectMany(w => w));
            Assert.Equal(alone.SamplesPerEpoch, run.SamplesPerEpoch);  // every sample once per epoch, counted over all ranks
            AssertClose(alone.Weights, run.Weights);
            Assert.Equal(alone.History.Keys.Order(), run.History.Keys.Order());
            foreach (var (key, values) in alone.History)
                for (int e = 0; e < values.Count; e++)
                    Assert.True(Math.Abs(values[e] - run.History[key][e]) <= 1e-5 * Math.Max(1, Math.Abs(values[e])),
                        $"{key}, epoch {e + 1}: {run.History[key][e]} over {ranks} ranks, {values[e]} alone");
        }
        Assert.NotEqual(alone.History["accuracy"][0], alone.History["accuracy"][1]);  // the metrics did move
    }

    [Fact]
    public void Without_a_seed_every_rank_walks_rank_0s_order()
    {
        var runs = InProcessGroup.Run(2, c => Fit(c, 40, 8, seed: null));
        Assert.Equal(runs[0].Hashes, runs[1].Hashes);
    }

    [Fact]
    public void A_backup_and_an_interrupt_are_refused_over_several_ranks_where_one_rank_cannot_stop_alone()
    {
        using var dir = new TempDirectory();
        var runs = InProcessGroup.Run(2, c =>
        {
            var (x, y) = Data(40);
            var model = Model(100);
            model.Communicator = c;
            var refused = Assert.Throws<NotSupportedException>(() => model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0,
                callbacks: [new BackupAndRestore(Path.Combine(dir.Path, $"rank{c.Rank}"))]));
            var answers = new List<bool>();
            var history = model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0,
                callbacks: [new LambdaCallback(onBatchEnd: (_, _) => answers.Add(model.InterruptTraining("test")))]);
            return (refused.Message, answers, history.Interrupted, Steps: history.Epochs.Count);
        });
        foreach (var run in runs)
        {
            Assert.Contains("data-parallel Fit", run.Message);
            Assert.Equal(5, run.answers.Count);          // every batch ran
            Assert.DoesNotContain(true, run.answers);
            Assert.False(run.Interrupted);
            Assert.Equal(1, run.Steps);
        }
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Batch_normalization_statistics_stay_the_same_on_every_rank()
    {
        var results = InProcessGroup.Run(2, c => Fit(c, 64, 16, seed: 2, batchNorm: true));
        Assert.Equal(results[0].Hashes, results[1].Hashes);   // the hash covers every weight, the moving statistics included
        // The moving mean left its initial zeros (weights: Dense kernel and bias, then gamma, beta, moving mean and variance).
        Assert.Contains(results[0].Weights[4], v => v != 0);
        Assert.Equal(results[0].Weights[4], results[1].Weights[4]);
        Assert.Equal(results[0].Weights[5], results[1].Weights[5]);
    }

    /// <summary>Counts epochs: as a callback that writes files, it runs on rank 0 only.</summary>
    private sealed class Writer : Callback
    {
        public int Epochs;

        public override bool RankZeroOnly => true;

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => Epochs++;
    }

    [Fact]
    public void Writing_callbacks_run_on_rank_0_only_and_a_stop_on_any_rank_stops_all_after_the_same_epoch()
    {
        var (x, y) = Data(48);
        var results = InProcessGroup.Run(2, c =>
        {
            var model = Model(7);
            model.Communicator = c;
            var writer = new Writer();
            var deciding = 0;
            LambdaCallback? stopper = null;
            // A callback that decides runs on every rank; here rank 1 alone decides to stop after the second epoch.
            stopper = new LambdaCallback(onEpochEnd: (epoch, _) =>
            {
                deciding++;
                if (stopper!.Rank == 1 && epoch == 1) model.StopTraining = true;
            });
            var history = model.Fit(x, y, batchSize: 8, epochs: 5, verbose: 0, callbacks: [writer, stopper], seed: 1);
            return (writer.Epochs, Deciding: deciding, Epochs: history.Epochs.Count, Stopped: model.StopTraining, stopper.Rank);
        });
        Assert.Equal((2, 2, 2, true, 0), results[0]);
        Assert.Equal((0, 2, 2, true, 1), results[1]);
    }

    [Fact]
    public void A_loss_that_is_not_finite_on_one_rank_stops_every_rank_at_that_step_with_the_weights_before_it()
    {
        var (x, y) = Data(32);
        var values = x.ToArray();
        values[13 * Inputs] = float.NaN;   // sample 13: batch 2 (rows 8 to 15), rank 1's half, without shuffling
        x = Tensor.FromArray(values, 32, Inputs);
        var results = InProcessGroup.Run(2, c =>
        {
            var model = Model(7);
            model.Communicator = c;
            float[][] afterFirst = [];
            var history = model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, shuffle: false,
                callbacks: [new LambdaCallback(onBatchEnd: (batch, _) => { if (batch == 0) afterFirst = model.GetWeights(); })]);
            return (history.StoppedOnNaN, history.StopReason, Weights: model.GetWeights(), AfterFirst: afterFirst);
        });
        foreach (var (stopped, reason, weights, afterFirst) in results)
        {
            Assert.True(stopped);
            Assert.StartsWith("Epoch 1, batch 2: the loss is NaN", reason);
            Assert.Equal(afterFirst.SelectMany(w => w), weights.SelectMany(w => w));
        }
        Assert.Equal(results[0].Weights.SelectMany(w => w), results[1].Weights.SelectMany(w => w));
    }

    /// <summary>A source that is neither a DataLoader nor an ImageFlow: Fit cuts each rank's rows out of its whole batches.</summary>
    private sealed class Batches(DataLoader loader) : IBatchSource
    {
        public int BatchesPerEpoch => loader.BatchCount;

        public int SampleCount => loader.Count;

        public IEnumerable<Batch> GetBatches(int epoch) => ((IBatchSource)loader).GetBatches(epoch);
    }

    [Fact]
    public void Any_batch_source_trains_data_parallel_and_a_loader_gets_its_own_shard_back()
    {
        var (x, y) = Data(50);
        (float[][] Weights, BatchShard After) Train(ICommunicator c, bool wrapped)
        {
            var model = Model(100 + c.Rank);
            model.Communicator = c;
            using var loader = new DataLoader(x, y, batchSize: 10, shuffle: true, seed: 4);
            model.Fit(wrapped ? new Batches(loader) : loader, epochs: 2, verbose: 0);
            return (model.GetWeights(), loader.Shard);
        }
        var alone = Train(SingleProcessCommunicator.Instance, wrapped: false).Weights;
        foreach (bool wrapped in new[] { false, true })
        {
            var runs = InProcessGroup.Run(2, c => Train(c, wrapped));
            foreach (var (weights, after) in runs)
            {
                AssertClose(alone, weights);
                Assert.Equal(BatchShard.Whole, after);
            }
            Assert.Equal(runs[0].Weights.SelectMany(w => w), runs[1].Weights.SelectMany(w => w));
        }
    }

    [Fact]
    public void Balanced_ranks_give_a_slower_rank_fewer_rows_and_still_train_as_one_process()
    {
        var (x, y) = Data(96);
        (float[][] Weights, List<ulong> Hashes, int[]? Parts, List<int> Rows) Train(ICommunicator c, bool balance)
        {
            var model = Model(100 + c.Rank);
            model.Communicator = c;
            model.BalanceRanks = balance;
            var hashes = new List<ulong>();
            var rows = new List<int>();
            using var loader = new DataLoader(x, y, batchSize: 32, shuffle: true, seed: 4);
            // Rank 1 is the slow one: its every step takes 3 ms longer, counted as its own work (outside the all-reduce).
            var slow = new LambdaCallback(onBatchBegin: (_, _) => { if (c.Rank == 1) Thread.Sleep(3); });
            var record = new LambdaCallback(onEpochBegin: (_, _) => rows.Add(loader.Shard.RowsOf(32).Length),
                onBatchEnd: (_, _) => hashes.Add(ReplicaCheck.Hash(model.Weights)));
            model.Fit(loader, epochs: 3, verbose: 0, callbacks: [slow, record]);
            return (model.GetWeights(), hashes, model.RankParts, rows);
        }
        var alone = Train(SingleProcessCommunicator.Instance, balance: false).Weights;
        var runs = InProcessGroup.Run(2, c => Train(c, balance: true));
        Assert.Equal(runs[0].Hashes, runs[1].Hashes);  // bit-identical replicas after every step
        Assert.Equal(runs[0].Parts, runs[1].Parts);    // every rank set the same shares
        Assert.NotNull(runs[0].Parts);
        Assert.Equal([16, 16], [runs[0].Rows[0], runs[1].Rows[0]]);  // even shares in the first epoch
        Assert.True(runs[1].Rows[1] < runs[0].Rows[1], $"rank 1 took {runs[1].Rows[1]} rows of 32 in epoch 2, rank 0 {runs[0].Rows[1]}");
        Assert.Equal(32, runs[0].Rows[2] + runs[1].Rows[2]);
        foreach (var run in runs) AssertClose(alone, run.Weights);  // the whole batch's gradient every step, shares aside
    }

    [Fact]
    public void An_augmenting_flow_is_shared_by_the_ranks_and_the_replicas_stay_identical()
    {
        var images = Tensor.RandomUniform([24, 6, 6, 1], generator: new RandomGenerator(5));
        var labels = Tensor.FromArray([.. Enumerable.Range(0, 24).Select(i => (float)(i % 2))], 24);
        var results = InProcessGroup.Run(2, c =>
        {
            RandomGenerator.SetSeed(10 + c.Rank);
            var model = new Sequential(new Flatten(inputShape: [6, 6, 1]), new Dense(2, activation: "softmax"));
            model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
            model.Communicator = c;
            using var flow = new ImageDataGenerator(rotationRange: 10).Flow(images, labels, batchSize: 8, seed: 3);
            var history = model.Fit(flow, epochs: 2, verbose: 0);
            return (Weights: model.GetWeights(), flow.Shard, Samples: history.EpochSamples[0]);
        });
        Assert.Equal(results[0].Weights.SelectMany(w => w), results[1].Weights.SelectMany(w => w));
        Assert.All(results, r => Assert.Equal((BatchShard.Whole, 24), (r.Shard, r.Samples)));
    }

    /// <summary>A metric that keeps no running totals (GetState empty): the mean of the first prediction column.</summary>
    private sealed class HiddenMean() : Metric("hidden_mean")
    {
        private double _sum, _count;

        public override void UpdateState(Tensor targets, Tensor predictions)
        {
            var p = predictions.ToArray();
            int columns = predictions.Shape[-1];
            for (int i = 0; i < p.Length; i += columns) (_sum, _count) = (_sum + p[i], _count + 1);
        }

        public override double Result() => _count > 0 ? _sum / _count : 0;

        public override void ResetState() => _sum = _count = 0;
    }

    [Fact]
    public void Metrics_are_combined_over_the_ranks_from_their_totals_or_else_from_their_results_weighted_by_samples()
    {
        // Rank 0 sees 1 sample, rank 1 sees 3: the totals add up, the hidden metric's results are weighted 1 : 3.
        float[][] firstColumn = [[0.6f], [0.1f, 0.2f, 0.9f]];
        float[][] targets = [[0f], [0f, 1f, 0f]];
        var results = InProcessGroup.Run(2, c =>
        {
            int n = firstColumn[c.Rank].Length;
            var predictions = Tensor.FromArray([.. firstColumn[c.Rank].SelectMany(p => new[] { p, 1 - p })], n, 2);
            var accuracy = new SparseCategoricalAccuracy();
            var hidden = new HiddenMean();
            accuracy.UpdateState(Tensor.FromArray(targets[c.Rank], n), predictions);
            hidden.UpdateState(Tensor.FromArray(targets[c.Rank], n), predictions);
            Assert.Empty(hidden.GetState());
            double[] totals = [10 * (c.Rank + 1)];
            var combined = DataParallelTraining.CombineMetrics(c, [accuracy, hidden], n, totals);
            return (Combined: combined, Totals: totals[0], Accuracy: accuracy.Result());
        });
        foreach (var (combined, totals, accuracy) in results)
        {
            // Accuracy: rank 0 right on its sample, rank 1 on its last two (class 1, then class 0): 3 of 4.
            Assert.Equal(0.75, combined[0], 12);
            Assert.Equal(0.75, accuracy, 12);                       // the summed totals were set on the metric
            Assert.Equal((0.6 + 0.1 + 0.2 + 0.9) / 4, combined[1], 6);
            Assert.Equal(30, totals);
        }
    }

    [Fact]
    public void Ranks_with_different_data_or_a_batch_smaller_than_the_ranks_are_refused_with_a_message()
    {
        var errors = InProcessGroup.Run(2, c =>
        {
            var (x, y) = Data(c.Rank == 0 ? 40 : 44);
            var model = Model(1);
            model.Communicator = c;
            return Record.Exception(() => model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, seed: 1));
        });
        foreach (var e in errors)
            Assert.Contains("Fit: rank(s) 1 differ from rank 0, which has 40 training samples in 5 batches", Assert.IsType<DistributedException>(e).Message);

        var small = InProcessGroup.Run(3, c =>
        {
            var (x, y) = Data(10);
            var model = Model(1);
            model.Communicator = c;
            return Record.Exception(() => model.Fit(x, y, batchSize: 2, epochs: 1, verbose: 0, seed: 1));
        });
        Assert.All(small, e => Assert.Contains("a batch of 2 samples cannot be shared by 3 ranks", Assert.IsType<ArgumentException>(e).Message));
    }
}

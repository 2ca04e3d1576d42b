using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Data;

/// <summary>
/// A loader gathers the next batch ahead on the kernel threads (between their jobs) while the caller works on the
/// current one: every batch is the same as gathered on demand, through shuffles, shards, a partial last batch, a resumed
/// epoch and an enumeration abandoned half-way.
/// </summary>
public class DataLoaderPrefetchTests
{
    /// <summary>Sets <see cref="DataLoader.Prefetches"/> for a test, and puts it back (the kernel threads are set with <see cref="ThreadCounts"/>.At).</summary>
    private static Setting<bool> PrefetchSetting(bool prefetches) => new(() => DataLoader.Prefetches, on => DataLoader.Prefetches = on, prefetches);

    /// <summary>Two inputs whose rows are wide enough for several items a batch, and targets, all numbered by sample.</summary>
    private static (Tensor A, Tensor B, Tensor Y) Data(int n)
    {
        const int wide = 5000; // 16,384 / 5,000: three rows an item
        var a = new float[n * wide];
        var b = new float[n * 3];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i;
            for (int j = 0; j < wide; j++) a[i * wide + j] = i * 7 + j;
            for (int j = 0; j < 3; j++) b[i * 3 + j] = -i - j;
        }
        return (Tensor.FromArray(a, n, wide), Tensor.FromArray(b, n, 3), Tensor.FromArray(y, n));
    }

    /// <summary>Every batch of two epochs (the second resumed at batch 2 and, first, abandoned after one batch) as copied floats.</summary>
    private static List<float[]> Batches(bool prefetches, int threads, int batchSize, BatchShard shard) => ThreadCounts.At(threads, () =>
    {
        using var setting = PrefetchSetting(prefetches);
        var (a, b, y) = Data(61);
        using var loader = new DataLoader([a, b], y, batchSize, shuffle: true, seed: 9) { Shard = shard };
        var seen = new List<float[]>();
        void Add(Batch batch) => seen.Add([.. batch.Inputs[0].ToArray(), .. batch.Inputs[1].ToArray(), .. batch.Y!.ToArray(), batch.Number]);
        foreach (var batch in loader) Add(batch);
        foreach (var batch in loader) // abandoned while the next batch is being gathered
        {
            Add(batch);
            break;
        }
        foreach (var batch in ((IBatchSource)loader).GetBatches(1, 2)) Add(batch);
        foreach (var batch in loader) Add(batch);
        return seen;
    });

    [Theory]
    [InlineData(8)]
    [InlineData(16)]   // 61 = 3·16 + 13: a partial last batch
    [InlineData(61)]   // one batch an epoch: nothing to gather ahead
    public void Batches_gathered_ahead_are_those_gathered_on_demand(int batchSize)
    {
        var expected = Batches(prefetches: false, threads: 1, batchSize, BatchShard.Whole);
        foreach (int threads in new[] { 2, 3 })
            Assert.Equal(expected, Batches(prefetches: true, threads, batchSize, BatchShard.Whole));
        var sharded = Batches(prefetches: false, threads: 1, batchSize, new BatchShard(1, 3));
        Assert.Equal(sharded, Batches(prefetches: true, threads: 2, batchSize, new BatchShard(1, 3)));
    }

    [Fact]
    public void A_batch_stays_as_it_was_handed_out_while_the_next_one_is_gathered() => ThreadCounts.At(2, () =>
    {
        using var setting = PrefetchSetting(prefetches: true);
        var (a, b, y) = Data(40);
        using var loader = new DataLoader([a, b], y, batchSize: 8, shuffle: true, seed: 2);
        foreach (var batch in loader)
        {
            var first = batch.Y!.ToArray();
            Thread.Sleep(5); // time for the workers to gather the next batch
            Assert.Equal(first, batch.Y!.ToArray());
            Assert.Equal(first[0] * 7, batch.Inputs[0][0, 0]);
        }
    });

    [Fact]
    public void Fit_trains_to_the_same_bits_with_batches_gathered_ahead()
    {
        float[][] Train(bool prefetches) => ThreadCounts.At(2, () =>
        {
            using var setting = PrefetchSetting(prefetches);
            var (a, _, y) = Data(64);
            RandomGenerator.SetSeed(4);
            var model = new Sequential(new Dense(4, activation: "relu", inputShape: [5000]), new Dense(3, activation: "softmax"));
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            var classes = Tensor.FromArray([.. y.ToArray().Select(v => v % 3)], 64);
            model.Fit(a, classes, batchSize: 16, epochs: 2, verbose: 0, seed: 3);
            return model.GetWeights();
        });
        Assert.Equal(Train(prefetches: false), Train(prefetches: true));
    }
}

using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Data;

public class ImageFlowTests
{
    private static readonly ImageDataGenerator Augmenting =
        new(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, shearRange: 0.1, zoomRange: (0.9, 1.2));

    /// <summary>n images of 6 × 5 whose pixels all hold the image's number; labels are the numbers too.</summary>
    private static (Tensor X, Tensor Y) Numbered(int n, int channels = 0)
    {
        int pixels = 6 * 5 * Math.Max(1, channels);
        var x = new float[n * pixels];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i;
            Array.Fill(x, i, i * pixels, pixels);
        }
        return (channels == 0 ? Tensor.FromArray(x, n, 6, 5) : Tensor.FromArray(x, n, 6, 5, channels), Tensor.FromArray(y, n));
    }

    /// <summary>One epoch's batches, each as its images' values followed by its labels.</summary>
    private static List<float[]> Epoch(ImageFlow flow)
    {
        var batches = new List<float[]>();
        foreach (var (x, y) in flow) batches.Add([.. x.ToArray(), .. y.ToArray()]);
        return batches;
    }

    [Fact]
    public void An_epoch_visits_every_image_once_with_its_label_and_a_smaller_last_batch()
    {
        var (x, y) = Numbered(10, channels: 2);
        using var flow = new ImageDataGenerator().Flow(x, y, batchSize: 4, shuffle: true, seed: 1);

        var shapes = new List<TensorShape>();
        var seen = new List<int>();
        foreach (var batch in flow)
        {
            shapes.Add(batch.X.Shape);
            var labels = batch.Y.ToArray();
            var images = batch.X.ToArray();
            for (int i = 0; i < labels.Length; i++)
            {
                Assert.All(images.AsSpan(i * 60, 60).ToArray(), v => Assert.Equal(labels[i], v)); // image i is sample labels[i]
                seen.Add((int)labels[i]);
            }
        }

        Assert.Equal([new TensorShape(4, 6, 5, 2), new TensorShape(4, 6, 5, 2), new TensorShape(2, 6, 5, 2)], shapes);
        Assert.Equal(Enumerable.Range(0, 10), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 10), seen);
        Assert.Equal(3, flow.BatchCount);
    }

    [Fact]
    public void Shards_augment_their_rows_of_each_batch_and_see_every_image_once_between_them()
    {
        var (x, y) = Numbered(11);
        using var whole = Augmenting.Flow(x, y, batchSize: 4, shuffle: true, seed: 3);
        var labels = new List<float[]>();
        var first = new List<float[]>();
        foreach (var batch in whole)
        {
            labels.Add(batch.Y.ToArray());
            first.Add(batch.X.ToArray());
        }
        var shards = new List<(float[] Labels, float[] Images, int Start)>[2];
        for (int s = 0; s < 2; s++)
        {
            using var flow = Augmenting.Flow(x, y, batchSize: 4, shuffle: true, seed: 3);
            flow.Shard = new BatchShard(s, 2);
            shards[s] = [];
            foreach (var batch in flow) shards[s].Add((batch.Y.ToArray(), batch.X.ToArray(), batch.Start));
        }
        for (int b = 0; b < labels.Count; b++)
        {
            // The shards' labels are the batch's, in order; shard 0's images are those of the whole batch's first rows.
            Assert.Equal(labels[b], (float[])[.. shards[0][b].Labels, .. shards[1][b].Labels]);
            Assert.Equal(first[b].AsSpan(0, shards[0][b].Images.Length).ToArray(), shards[0][b].Images);
            Assert.Equal(b * 4 + shards[0][b].Labels.Length, shards[1][b].Start);
            // Each image is its own sample (a constant image stays constant under the transforms).
            for (int i = 0; i < shards[1][b].Labels.Length; i++)
                Assert.All(shards[1][b].Images.AsSpan(i * 30, 30).ToArray(), v => Assert.Equal(shards[1][b].Labels[i], v, 1e-4f));
        }
        // Batches of 4, 4 and 3 split as 2 + 2, 2 + 2 and 2 + 1.
        Assert.Equal([2, 2, 2], shards[0].Select(p => p.Labels.Length));
        Assert.Equal([2, 2, 1], shards[1].Select(p => p.Labels.Length));
    }

    [Fact]
    public void Without_shuffling_the_order_is_the_data_order()
    {
        var (x, y) = Numbered(7);
        using var flow = new ImageDataGenerator().Flow(x, y, batchSize: 3, shuffle: false, seed: 1);
        var labels = new List<float>();
        foreach (var batch in flow) labels.AddRange(batch.Y.ToArray());
        Assert.Equal([0f, 1, 2, 3, 4, 5, 6], labels);
    }

    [Fact]
    public void A_batch_is_the_augmentation_Augment_gives_with_the_same_seed()
    {
        var images = Tensor.RandomUniform([5, 12, 12], generator: new RandomGenerator(3));
        using var flow = Augmenting.Flow(images, batchSize: 5, shuffle: false, seed: 77);

        using var enumerator = flow.GetEnumerator();
        Assert.True(enumerator.MoveNext());

        Assert.Equal(Augmenting.Augment(images, seed: 77).ToArray(), enumerator.Current.X.ToArray());
    }

    [Fact]
    public void An_epoch_cannot_be_reset_and_the_end_of_one_holds_no_batch()
    {
        var (x, y) = Numbered(4);
        using var flow = Augmenting.Flow(x, y, batchSize: 4, seed: 1);
        using var enumerator = flow.GetEnumerator();
        Assert.True(enumerator.MoveNext());
        Assert.Throws<NotSupportedException>(enumerator.Reset);
        Assert.Equal(4, enumerator.Current.Size); // the failed reset kept the batch
        Assert.False(enumerator.MoveNext());
        Assert.Null(enumerator.Current.X);
    }

    [Fact]
    public void The_same_seed_gives_the_same_batches_whatever_the_thread_timing()
    {
        var images = Tensor.RandomUniform([40, 10, 10], generator: new RandomGenerator(4));
        var labels = Tensor.Arange(40);
        using var eager = Augmenting.Flow(images, labels, batchSize: 8, seed: 5);
        using var slow = Augmenting.Flow(images, labels, batchSize: 8, seed: 5);
        using var other = Augmenting.Flow(images, labels, batchSize: 8, seed: 6);

        var fast = new List<float[]>();
        for (int epoch = 0; epoch < 2; epoch++)
            foreach (var batch in eager) fast.Add(batch.X.ToArray());
        var delayed = new List<float[]>();
        for (int epoch = 0; epoch < 2; epoch++)
            foreach (var batch in slow)
            {
                Thread.Sleep(batch.Number % 2 == 0 ? 5 : 0); // the worker gets ahead, or not
                delayed.Add(batch.X.ToArray());
            }
        var different = new List<float[]>();
        foreach (var batch in other) different.Add(batch.X.ToArray());

        Assert.Equal(fast, delayed);
        Assert.NotEqual(fast.Take(5), different);
        Assert.NotEqual(fast.Take(5), fast.Skip(5)); // every epoch draws new transforms and a new order
    }

    [Fact]
    public void An_epoch_is_the_same_whether_or_not_the_epochs_before_it_ran()
    {
        var images = Tensor.RandomUniform([20, 8, 8], generator: new RandomGenerator(4));
        var labels = Tensor.Arange(20);
        using var fromStart = Augmenting.Flow(images, labels, batchSize: 6, seed: 9);
        using var resumed = Augmenting.Flow(images, labels, batchSize: 6, seed: 9);

        Epoch(fromStart);
        Epoch(fromStart);
        var third = Epoch(fromStart);
        resumed.Epoch = 2;

        Assert.Equal(third, Epoch(resumed));
    }

    [Fact]
    public void Leaving_an_epoch_early_does_not_disturb_the_next()
    {
        var images = Tensor.RandomUniform([30, 8, 8], generator: new RandomGenerator(4));
        var labels = Tensor.Arange(30);
        using var abandoned = Augmenting.Flow(images, labels, batchSize: 4, seed: 2);
        using var complete = Augmenting.Flow(images, labels, batchSize: 4, seed: 2);

        foreach (var batch in abandoned)
            if (batch.Number == 1) break;
        Epoch(complete);

        Assert.Equal(Epoch(complete), Epoch(abandoned));
    }

    [Fact]
    public void A_batch_stays_valid_while_the_next_one_is_prepared()
    {
        var images = Tensor.RandomUniform([64, 16, 16], generator: new RandomGenerator(4));
        using var flow = Augmenting.Flow(images, Tensor.Arange(64), batchSize: 8, seed: 3);

        foreach (var batch in flow)
        {
            var before = batch.X.ToArray();
            Thread.Sleep(3); // time for the worker to fill the other slot, and to try this one if it were free
            Assert.Equal(before, batch.X.ToArray());
        }
    }

    [Fact]
    public void Fit_trains_a_model_on_augmented_batches()
    {
        // Class 0: a horizontal bar, class 1: a vertical bar, at random places; shifts and small rotations keep the class.
        const int n = 256;
        var random = new RandomGenerator(12);
        var x = new float[n * 10 * 10];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 2;
            int at = 2 + random.NextInt(6);
            for (int k = 2; k < 8; k++)
                x[i * 100 + (i % 2 == 0 ? at * 10 + k : k * 10 + at)] = 1f;
        }
        var images = Tensor.FromArray(x, n, 10, 10);
        var labels = Tensor.FromArray(y, n);
        RandomGenerator.SetSeed(3);
        var model = new Sequential(
            new Flatten(inputShape: [10, 10]),
            new Dense(32, activation: "relu"),
            new Dense(2, activation: "softmax"));
        model.Compile(optimizer: new Adam(learningRate: 3e-3), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var generator = new ImageDataGenerator(rotationRange: 5, widthShiftRange: 1, heightShiftRange: 1);
        using var flow = generator.Flow(images, labels, batchSize: 16, seed: 4);

        var history = model.Fit(flow, epochs: 8, verbose: 0, validationData: (images, labels));

        Assert.Equal(8, history["loss"].Count);
        Assert.True(history["loss"][^1] < history["loss"][0] * 0.5, $"loss went from {history["loss"][0]} to {history["loss"][^1]}");
        Assert.True(history["val_accuracy"][^1] > 0.9, $"validation accuracy {history["val_accuracy"][^1]}");
    }

    [Fact]
    public void Fit_with_a_source_checks_the_model_and_the_data()
    {
        var (x, y) = Numbered(8);
        using var flow = new ImageDataGenerator().Flow(x, y, batchSize: 4, seed: 1);
        var uncompiled = new Sequential(new Flatten(), new Dense(2));
        Assert.Contains("compiled", Assert.Throws<InvalidOperationException>(() => uncompiled.Fit(flow, epochs: 1, verbose: 0)).Message);

        var model = new Sequential(new Flatten(inputShape: [5, 6]), new Dense(2, activation: "softmax"));
        model.Compile(new Adam(), "sparse_categorical_crossentropy");
        var shape = Assert.Throws<ArgumentException>(() => model.Fit(flow, epochs: 1, verbose: 0));
        Assert.Contains("4, 6, 5", shape.Message);

        using var imagesOnly = new ImageDataGenerator().Flow(x, batchSize: 4, seed: 1);
        Assert.Contains("without y", Assert.Throws<InvalidOperationException>(() => model.Fit(imagesOnly, epochs: 1, verbose: 0)).Message);
    }

    [Theory]
    [InlineData("Thread")]
    [InlineData("Pool")]
    public void Steady_state_batches_allocate_nothing_on_either_thread(string mode)
    {
        using var preparation = FlowPreparation.Of(Enum.Parse<BatchPreparation>(mode));
        var images = Tensor.RandomUniform([256, 28, 28, 1], generator: new RandomGenerator(4));
        var labels = Tensor.Arange(256);
        using var flow = Augmenting.Flow(images, labels, batchSize: 32, seed: 3);
        for (int epoch = 0; epoch < 3; epoch++) Consume(flow); // warm up: first fills, JIT tiers

        long workerBefore = flow.WorkerAllocatedBytes;
        long consumerBefore = GC.GetAllocatedBytesForCurrentThread();
        int batches = 0;
        for (int epoch = 0; epoch < 10; epoch++) batches += Consume(flow);
        long consumer = GC.GetAllocatedBytesForCurrentThread() - consumerBefore;
        long worker = flow.WorkerAllocatedBytes - workerBefore;

        Assert.Equal(80, batches);
        Assert.True(consumer <= 512, $"the consumer allocated {consumer} bytes over {batches} batches");
        Assert.True(worker <= 512, $"the worker allocated {worker} bytes over {batches} batches");

        static int Consume(ImageFlow flow)
        {
            int count = 0;
            foreach (var batch in flow) count += batch.Size > 0 ? 1 : 0;
            return count;
        }
    }

    [Fact]
    public void Disposing_stops_the_background_thread()
    {
        using var preparation = FlowPreparation.Of(BatchPreparation.Thread);
        var (x, y) = Numbered(20);
        var flow = Augmenting.Flow(x, y, batchSize: 4, seed: 1);
        using (var enumerator = flow.GetEnumerator()) Assert.True(enumerator.MoveNext());
        var thread = flow.WorkerThread;
        Assert.NotNull(thread);
        Assert.True(thread.IsAlive);

        flow.Dispose();

        Assert.False(thread.IsAlive);
        Assert.Null(flow.WorkerThread);
        Assert.Throws<ObjectDisposedException>(() => flow.GetEnumerator());
    }

    [Fact]
    public void An_idle_worker_ends_and_a_new_one_starts_when_batches_are_wanted_again()
    {
        using var preparation = FlowPreparation.Of(BatchPreparation.Thread);
        var (x, y) = Numbered(12);
        using var flow = Augmenting.Flow(x, y, batchSize: 4, seed: 1);
        flow.IdleTimeout = TimeSpan.FromMilliseconds(20);
        var first = Epoch(flow);
        var thread = flow.WorkerThread;

        Assert.True(thread is null || thread.Join(TimeSpan.FromSeconds(5)), "the idle worker did not end");
        Assert.Null(flow.WorkerThread);

        using var again = Augmenting.Flow(x, y, batchSize: 4, seed: 1);
        again.Epoch = 1;
        Assert.Equal(Epoch(again), Epoch(flow));
    }

    [Fact]
    public void A_failure_on_the_worker_surfaces_on_the_consumer_with_a_clear_message()
    {
        using var preparation = FlowPreparation.Of(BatchPreparation.Thread);
        var (x, y) = Numbered(12);
        using var flow = Augmenting.Flow(x, y, batchSize: 4, seed: 1);
        x.Dispose(); // the worker can no longer read the images

        var error = Assert.Throws<InvalidOperationException>(() => Epoch(flow));

        Assert.Contains("batch 0 of epoch 0", error.Message);
        Assert.Contains("background thread", error.Message);
        Assert.IsType<ObjectDisposedException>(error.InnerException);
    }
}

/// <summary>Sets <see cref="ImageFlow.Preparation"/> for a test, and puts it back (the kernel threads are set with <see cref="ThreadCounts"/>.At).</summary>
internal static class FlowPreparation
{
    public static Setting<BatchPreparation> Of(BatchPreparation mode) => new(() => ImageFlow.Preparation, m => ImageFlow.Preparation = m, mode);
}

/// <summary>Batches made inline or by the kernel threads between their jobs are those of the flow's own thread.</summary>
public class ImageFlowPreparationTests
{
    private static readonly ImageDataGenerator Augmenting =
        new(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, shearRange: 0.1, zoomRange: (0.9, 1.2), rescale: 0.5);

    /// <summary>Two epochs of a flow made as <paramref name="mode"/> says with <paramref name="threads"/> kernel threads, batch by batch.</summary>
    private static List<float[]> TwoEpochs(BatchPreparation mode, Tensor x, Tensor y, int batchSize, BatchShard shard = default,
        ImageDataGenerator? generator = null, int threads = 2) => ThreadCounts.At(threads, () =>
    {
        using var preparation = FlowPreparation.Of(mode);
        using var flow = (generator ?? Augmenting).Flow(x, y, batchSize: batchSize, seed: 8);
        flow.Shard = shard;
        var batches = new List<float[]>();
        for (int epoch = 0; epoch < 2; epoch++)
            foreach (var batch in flow) batches.Add([.. batch.X.ToArray(), .. batch.Y.ToArray(), batch.Start]);
        Assert.Equal(mode != BatchPreparation.Thread, flow.WorkerThread is null);
        return batches;
    });

    /// <summary>Asserts that <see cref="TwoEpochs"/> as <paramref name="mode"/> says gives the background thread's batches, and returns them.</summary>
    private static List<float[]> ThoseOfTheThread(BatchPreparation mode, Tensor x, Tensor y, int batchSize, BatchShard shard = default,
        ImageDataGenerator? generator = null, int threads = 2)
    {
        var made = TwoEpochs(mode, x, y, batchSize, shard, generator, threads);
        Assert.Equal(TwoEpochs(BatchPreparation.Thread, x, y, batchSize, shard, generator), made);
        return made;
    }

    [Theory]
    [InlineData("Inline", 1, 1, 2)]
    [InlineData("Inline", 37, 8, 2)]
    [InlineData("Inline", 100, 128, 2)]
    [InlineData("Pool", 1, 1, 2)]
    [InlineData("Pool", 37, 8, 2)]
    [InlineData("Pool", 100, 128, 2)]
    [InlineData("Pool", 100, 16, 3)]
    [InlineData("Pool", 37, 8, 1)]
    public void Batches_are_those_of_the_background_thread(string modeName, int count, int batchSize, int threads)
    {
        var mode = Enum.Parse<BatchPreparation>(modeName);
        var x = Tensor.RandomUniform([count, 28, 28, 1], generator: new RandomGenerator(6));
        var y = Tensor.Arange(count);
        var made = ThoseOfTheThread(mode, x, y, batchSize, threads: threads);
        Assert.Equal(2 * ((count + batchSize - 1) / batchSize), made.Count);
        if (count > 1) Assert.NotEqual(made[0], made[made.Count / 2]); // the second epoch draws anew
        if (count == 1) return;
        ThoseOfTheThread(mode, x, y, batchSize, new BatchShard(1, 2), threads: threads);
    }

    [Theory]
    [InlineData("Inline")]
    [InlineData("Pool")]
    public void Standardized_batches_are_those_of_the_background_thread(string modeName)
    {
        var mode = Enum.Parse<BatchPreparation>(modeName);
        var x = Tensor.RandomUniform([30, 6, 6, 2], generator: new RandomGenerator(7));
        var y = Tensor.Arange(30);
        var generator = new ImageDataGenerator(rotationRange: 20, zoomRange: (0.8, 1.1), horizontalFlip: true, featurewiseCenter: true,
            featurewiseStdNormalization: true, samplewiseCenter: true);
        generator.Fit(x);
        ThoseOfTheThread(mode, x, y, 8, generator: generator);
    }

    [Theory]
    [InlineData("Inline")]
    [InlineData("Pool")]
    public void Fit_trains_the_same_weights(string modeName)
    {
        var mode = Enum.Parse<BatchPreparation>(modeName);
        var x = Tensor.RandomUniform([40, 8, 8, 1], generator: new RandomGenerator(2));
        var y = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray());
        float[] Train(BatchPreparation mode) => ThreadCounts.At(2, () =>
        {
            using var preparation = FlowPreparation.Of(mode);
            RandomGenerator.SetSeed(5);
            var model = new Sequential(new Flatten(inputShape: [8, 8, 1]), new Dense(3, activation: "softmax"));
            model.Compile(new Adam(), "sparse_categorical_crossentropy");
            using var flow = Augmenting.Flow(x, y, batchSize: 16, seed: 3);
            model.Fit(flow, epochs: 2, verbose: 0);
            return model.GetWeights().SelectMany(w => w).ToArray();
        });
        Assert.Equal(Train(BatchPreparation.Thread), Train(mode));
    }

    [Theory]
    [InlineData("Inline")]
    [InlineData("Pool")]
    public void A_failure_surfaces_with_the_batch_and_epoch(string modeName) => ThreadCounts.At(2, () =>
    {
        var mode = Enum.Parse<BatchPreparation>(modeName);
        var x = Tensor.RandomUniform([12, 6, 5], generator: new RandomGenerator(1));
        using var preparation = FlowPreparation.Of(mode);
        using var flow = Augmenting.Flow(x, Tensor.Arange(12), batchSize: 4, seed: 1);
        x.Dispose();
        var error = Assert.Throws<InvalidOperationException>(() => { foreach (var _ in flow) { } });
        Assert.Contains("batch 0 of epoch 0", error.Message);
        Assert.DoesNotContain("background thread", error.Message);
        Assert.IsType<ObjectDisposedException>(error.InnerException);
    });

    [Theory]
    [InlineData("Auto", 1, "Thread")]
    [InlineData("Auto", 2, "Pool")]
    [InlineData("Thread", 2, "Thread")]
    public void Auto_makes_batches_with_the_kernel_threads_when_there_are_two_or_more(string mode, int threads, string made) => ThreadCounts.At(threads, () =>
    {
        var x = Tensor.RandomUniform([12, 6, 5], generator: new RandomGenerator(1));
        using var preparation = FlowPreparation.Of(Enum.Parse<BatchPreparation>(mode));
        using var flow = Augmenting.Flow(x, Tensor.Arange(12), batchSize: 4, seed: 1);
        foreach (var _ in flow) { }
        Assert.Equal(made == "Thread", flow.WorkerThread is not null);
    });

    [Fact]
    public void A_flow_left_or_disposed_with_a_batch_posted_leaves_the_kernel_threads_free_for_the_next() => ThreadCounts.At(2, () =>
    {
        var x = Tensor.RandomUniform([64, 12, 12], generator: new RandomGenerator(3));
        var y = Tensor.Arange(64);
        using var preparation = FlowPreparation.Of(BatchPreparation.Pool);
        var expected = TwoEpochs(BatchPreparation.Thread, x, y, 8);

        // Batch 1 is posted when batch 0 is taken; the enumeration is left there, then the flow disposed.
        var left = Augmenting.Flow(x, y, batchSize: 8, seed: 8);
        using (var enumerator = left.GetEnumerator()) Assert.True(enumerator.MoveNext());
        var abandoned = Augmenting.Flow(x, y, batchSize: 8, seed: 8);
        foreach (var batch in abandoned)
            if (batch.Number == 2) break;
        left.Dispose();

        Assert.Equal(expected, TwoEpochs(BatchPreparation.Pool, x, y, 8));
        var again = new List<float[]>();
        abandoned.Epoch = 0;
        for (int epoch = 0; epoch < 2; epoch++)
            foreach (var batch in abandoned) again.Add([.. batch.X.ToArray(), .. batch.Y.ToArray(), batch.Start]);
        abandoned.Dispose();
        Assert.Equal(expected, again);
    });
}

public class ImageFlowResumeTests
{
    [Fact]
    public void Batches_from_a_later_batch_on_are_those_of_the_whole_epoch_from_there_and_earlier_ones_are_not_prepared()
    {
        var x = Tensor.RandomUniform([10, 6, 6, 1], generator: new RandomGenerator(1));
        var y = Tensor.FromArray(Enumerable.Range(0, 10).Select(i => (float)i).ToArray());
        var generator = new ImageDataGenerator(rotationRange: 20, widthShiftRange: 0.1);
        using var flow = generator.Flow(x, y, batchSize: 4, shuffle: true, seed: 9);
        var source = (IBatchSource)flow;
        var whole = source.GetBatches(1).Select(b => (b.X.ToArray(), b.Y!.ToArray())).ToList();
        int prepared = flow.BatchesPrepared;

        var rest = source.GetBatches(1, 1).Select(b => (b.X.ToArray(), b.Y!.ToArray())).ToList();

        Assert.Equal(2, rest.Count);
        Assert.Equal(whole.Skip(1).Select(b => b.Item1), rest.Select(b => b.Item1));
        Assert.Equal(whole.Skip(1).Select(b => b.Item2), rest.Select(b => b.Item2));
        Assert.Equal(2, flow.BatchesPrepared - prepared);
    }
}

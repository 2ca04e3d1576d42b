namespace DeepSharp.Tests.Data;

public class DataLoaderTests
{
    /// <summary>x[i] = [i, 100 + i, 200 + i, ...] over shape [n, 2, 3]; y[i] = i.</summary>
    private static (Tensor X, Tensor Y) Numbered(int n)
    {
        var x = new float[n * 6];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i;
            for (int j = 0; j < 6; j++) x[i * 6 + j] = i + 100 * j;
        }
        return (Tensor.FromArray(x, n, 2, 3), Tensor.FromArray(y, n));
    }

    /// <summary>The sample indices of each batch, read back from y, checking that x rows agree.</summary>
    private static List<int[]> Epoch(DataLoader loader)
    {
        var batches = new List<int[]>();
        foreach (var (x, y) in loader)
        {
            var labels = y.ToArray();
            var rows = x.ToArray();
            Assert.Equal(labels.Length * 6, rows.Length);
            for (int b = 0; b < labels.Length; b++)
                for (int j = 0; j < 6; j++) Assert.Equal(labels[b] + 100 * j, rows[b * 6 + j]);
            batches.Add(labels.Select(v => (int)v).ToArray());
        }
        return batches;
    }

    [Theory]
    [InlineData(2, 8)]
    [InlineData(3, 8)]    // shares of 3, 3, 2 and a last batch of 7 (3, 2, 2)
    [InlineData(4, 5)]    // a last batch of 3 leaves shard 3 empty
    public void Shards_see_every_sample_once_per_epoch_between_them_and_take_their_rows_of_each_batch(int shards, int batchSize)
    {
        var (x, y) = Numbered(23);
        using var whole = new DataLoader(x, y, batchSize, shuffle: true, seed: 9);
        whole.Epoch = 2;
        var batches = Epoch(whole);
        var seen = new List<int>();
        var parts = new List<int[]>[shards];
        for (int s = 0; s < shards; s++)
        {
            using var loader = new DataLoader(x, y, batchSize, shuffle: true, seed: 9) { Shard = new BatchShard(s, shards) };
            loader.Epoch = 2;
            parts[s] = Epoch(loader);
            Assert.Equal(whole.BatchCount, parts[s].Count);
            Assert.Equal(whole.BatchCount, loader.BatchCount);
            foreach (var part in parts[s]) seen.AddRange(part);
        }
        Assert.Equal(Enumerable.Range(0, 23), seen.Order());
        // Batch b of shard s is shard s's rows of the same batch b of the whole epoch.
        for (int b = 0; b < batches.Count; b++)
            Assert.Equal(batches[b], Enumerable.Range(0, shards).SelectMany(s => parts[s][b]));
    }

    [Fact]
    public void Changing_the_shard_gives_batches_of_the_new_size_and_ends_an_enumeration_in_progress()
    {
        var (x, y) = Numbered(10);
        using var loader = new DataLoader(x, y, batchSize: 4);
        using var enumerator = loader.GetEnumerator();
        Assert.True(enumerator.MoveNext());
        Assert.Equal(4, enumerator.Current.Size);
        loader.Shard = new BatchShard(1, 2);
        Assert.Throws<InvalidOperationException>(() => enumerator.MoveNext());
        Assert.Equal([[2, 3], [6, 7], [9]], Epoch(loader));
        Assert.Equal(new BatchShard(1, 2), loader.Shard);
    }

    [Fact]
    public void Without_shuffling_batches_follow_the_data_and_the_last_one_is_partial()
    {
        var (x, y) = Numbered(10);
        using var loader = new DataLoader(x, y, batchSize: 4);

        var batches = Epoch(loader);

        Assert.Equal(3, loader.BatchCount);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches);
    }

    [Fact]
    public void Batches_have_the_shape_of_the_data_after_the_first_axis()
    {
        var (x, _) = Numbered(5);
        var oneHot = Tensor.Zeros(5, 3);
        using var loader = new DataLoader(x, oneHot, batchSize: 2);
        var shapes = new List<(TensorShape, TensorShape, int, int, int)>();
        foreach (var batch in loader) shapes.Add((batch.X.Shape, batch.Y.Shape, batch.Number, batch.Start, batch.Size));
        Assert.Equal(
            [(new TensorShape(2, 2, 3), new TensorShape(2, 3), 0, 0, 2), (new TensorShape(2, 2, 3), new TensorShape(2, 3), 1, 2, 2), (new TensorShape(1, 2, 3), new TensorShape(1, 3), 2, 4, 1)],
            shapes);
    }

    [Fact]
    public void Drop_last_skips_the_partial_batch()
    {
        var (x, y) = Numbered(10);
        using var loader = new DataLoader(x, y, batchSize: 4, dropLast: true);
        Assert.Equal(2, loader.BatchCount);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7]], Epoch(loader));
    }

    [Fact]
    public void Shuffling_visits_every_sample_once_per_epoch_in_a_new_order()
    {
        var (x, y) = Numbered(50);
        using var loader = new DataLoader(x, y, batchSize: 8, shuffle: true, seed: 42);

        var first = Epoch(loader).SelectMany(b => b).ToArray();
        var second = Epoch(loader).SelectMany(b => b).ToArray();

        Assert.Equal(Enumerable.Range(0, 50), first.Order());
        Assert.Equal(Enumerable.Range(0, 50), second.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), first);
        Assert.NotEqual(first, second);
        Assert.Equal(2, loader.Epoch);
    }

    [Fact]
    public void The_same_seed_gives_the_same_orders_and_any_epoch_can_be_replayed()
    {
        var (x, y) = Numbered(30);
        using var a = new DataLoader(x, y, batchSize: 7, shuffle: true, seed: 7);
        using var b = new DataLoader(x, y, batchSize: 7, shuffle: true, seed: 7);
        using var c = new DataLoader(x, y, batchSize: 7, shuffle: true, seed: 8);

        var a0 = Epoch(a);
        var a1 = Epoch(a);
        var a2 = Epoch(a);
        Assert.Equal(a0, Epoch(b));
        Assert.Equal(a1, Epoch(b));
        Assert.NotEqual(a0, Epoch(c));

        b.Epoch = 2; // resume: epoch 2's order does not depend on the epochs before it
        Assert.Equal(a2, Epoch(b));
        b.Epoch = 1;
        Assert.Equal(a1, Epoch(b));
    }

    [Fact]
    public void Without_a_seed_the_global_seed_makes_shuffling_reproducible()
    {
        var (x, y) = Numbered(20);
        RandomGenerator.SetSeed(123);
        using var a = new DataLoader(x, y, batchSize: 20, shuffle: true);
        RandomGenerator.SetSeed(123);
        using var b = new DataLoader(x, y, batchSize: 20, shuffle: true);
        Assert.Equal(a.Seed, b.Seed);
        Assert.Equal(Epoch(a), Epoch(b));
    }

    [Fact]
    public void Iterating_allocates_no_managed_memory_after_the_first_epoch()
    {
        var (x, y) = Numbered(1000);
        using var loader = new DataLoader(x, y, batchSize: 32, shuffle: true, seed: 1);
        float sum = 0;
        foreach (var batch in loader) sum += batch.X[0, 0, 0]; // first epoch: batch tensors are created

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 0; epoch < 3; epoch++)
            foreach (var (bx, by) in loader) sum += bx[0, 0, 0] + by[0];
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    [Fact]
    public void Batches_made_inside_a_scope_survive_it()
    {
        var (x, y) = Numbered(6);
        using var loader = new DataLoader(x, y, batchSize: 2);
        var enumerator = loader.GetEnumerator();
        var seen = new List<float>();
        while (true)
        {
            using (TensorScope.Begin()) // as a training step would; the first batch tensors are created in here
            {
                if (!enumerator.MoveNext()) break;
                var copy = Tensor.FromArray(enumerator.Current.Y.ToArray());
                seen.Add(copy[0]);
            }
            Assert.False(enumerator.Current.X.IsDisposed);
            Assert.False(enumerator.Current.Y.IsDisposed);
        }
        Assert.Equal([0f, 2f, 4f], seen);
    }

    [Fact]
    public void Inputs_only_loaders_have_no_targets()
    {
        var (x, _) = Numbered(3);
        using var loader = new DataLoader(x, batchSize: 2);
        foreach (var batch in loader)
        {
            Assert.False(batch.HasTargets);
            var e = Assert.Throws<InvalidOperationException>(() => batch.Y);
            Assert.Contains("without targets", e.Message);
        }
    }

    [Fact]
    public void A_non_contiguous_view_is_batched_by_its_logical_rows()
    {
        var source = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var transposed = Tensor.View(source, new TensorShape(3, 2), [1, 3], 0); // [[1, 4], [2, 5], [3, 6]]
        Assert.False(transposed.IsContiguous);
        using var loader = new DataLoader(transposed, batchSize: 2);
        var rows = new List<float[]>();
        foreach (var batch in loader) rows.Add(batch.X.ToArray());
        Assert.Equal([[1f, 4f, 2f, 5f], [3f, 6f]], rows);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var (x, _) = Numbered(4);
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(x, Tensor.Zeros(5)));
        Assert.Contains("x has 4 samples", e.Message);
        Assert.Contains("(5,)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(x, batchSize: 0));
        Assert.Throws<ArgumentException>(() => new DataLoader(Tensor.Scalar(1f)));
        using var loader = new DataLoader(x);
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Epoch = -1);
    }

    [Fact]
    public void Starting_a_second_enumeration_invalidates_the_first_whose_reset_leaves_the_second_where_it_is()
    {
        var (x, y) = Numbered(8);
        using var loader = new DataLoader(x, y, batchSize: 2);
        var first = loader.GetEnumerator();
        Assert.True(first.MoveNext());
        var second = loader.GetEnumerator();
        Assert.True(second.MoveNext());
        first.Reset();
        Assert.True(second.MoveNext());
        Assert.Equal(1, second.Current.Number);
        var e = Assert.Throws<InvalidOperationException>(() => first.MoveNext());
        Assert.Contains("another enumeration", e.Message);
    }

    [Fact]
    public void Reset_restarts_the_same_epoch_in_the_same_order()
    {
        var (x, y) = Numbered(6);
        using var loader = new DataLoader(x, y, batchSize: 2, shuffle: true, seed: 5);
        var enumerator = loader.GetEnumerator();
        var before = new List<float[]>();
        while (enumerator.MoveNext()) before.Add(enumerator.Current.Y.ToArray());
        enumerator.Reset();
        var after = new List<float[]>();
        while (enumerator.MoveNext()) after.Add(enumerator.Current.Y.ToArray());
        Assert.Equal(3, before.Count);
        Assert.Equal(before, after);
        Assert.Equal(1, loader.Epoch); // one epoch started, not two
    }

    [Fact]
    public void Disposing_the_loader_returns_its_batches_and_stops_iteration()
    {
        var (x, y) = Numbered(4);
        var loader = new DataLoader(x, y, batchSize: 2);
        var enumerator = loader.GetEnumerator();
        Assert.True(enumerator.MoveNext());
        var batchX = enumerator.Current.X;
        loader.Dispose();
        Assert.True(batchX.IsDisposed);
        Assert.False(x.IsDisposed); // the caller's data stays
        Assert.Throws<ObjectDisposedException>(() => enumerator.MoveNext());
        Assert.Throws<ObjectDisposedException>(() => loader.GetEnumerator());
    }

    [Fact]
    public void An_empty_dataset_has_no_batches()
    {
        using var loader = new DataLoader(Tensor.Zeros(0, 3), Tensor.Zeros(0), batchSize: 4, shuffle: true, seed: 1);
        Assert.Equal(0, loader.BatchCount);
        Assert.Empty(Epoch(loader));
    }

    [Fact]
    public void Works_through_the_IEnumerable_interface()
    {
        var (x, y) = Numbered(5);
        using var loader = new DataLoader(x, y, batchSize: 2);
        IEnumerable<Batch> batches = loader;
        Assert.Equal([2, 2, 1], batches.Select(b => b.Size));
    }

    [Fact]
    public void Several_inputs_are_drawn_in_one_order_with_the_targets()
    {
        var (x, y) = Numbered(7);
        var second = DeepSharp.Ops.Transpose(Tensor.FromArray(Enumerable.Range(0, 14).Select(i => (float)i).ToArray(), 2, 7)); // a view: row i = [i, 7 + i]
        using var single = new DataLoader(x, y, batchSize: 3, shuffle: true, seed: 5);
        using var several = new DataLoader(new[] { x, second }, y, batchSize: 3, shuffle: true, seed: 5);
        var expected = Epoch(single);
        var seen = new List<int[]>();
        foreach (var batch in several)
        {
            Assert.Equal(2, batch.Inputs.Length);
            Assert.Same(batch.X, batch.Inputs[0]);
            var labels = batch.Y.ToArray().Select(v => (int)v).ToArray();
            Assert.Equal(labels.SelectMany(i => new float[] { i, 7 + i }), batch.Inputs[1].ToArray());
            seen.Add(labels);
        }
        Assert.Equal(expected, seen);
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(new[] { x, Tensor.Zeros(6, 2) }, y));
        Assert.Contains("input 1 has shape (6, 2) but input 0 has 7 samples", e.Message);
    }

    [Fact]
    public void A_batch_size_near_int_MaxValue_makes_one_batch_of_every_sample()
    {
        var (x, y) = Numbered(7);
        using var loader = new DataLoader(x, y, batchSize: int.MaxValue, shuffle: true, seed: 1);
        Assert.Equal(1, loader.BatchCount);
        Assert.Equal([7], loader.Select(b => b.Size));
        using var half = new DataLoader(x, y, batchSize: int.MaxValue / 2 + 1);
        Assert.Equal(1, half.BatchCount);
    }

    [Fact]
    public void Fit_with_batch_size_int_MaxValue_trains_on_every_sample()
    {
        var model = new Sequential(new Dense(1, inputShape: [2]));
        model.Compile(new SGD(learningRate: 0.1f), "mse");
        var before = model.Weights[0].ToArray();
        var history = model.Fit(Tensor.Ones(8, 2), Tensor.Full([8, 1], 3f), batchSize: int.MaxValue, epochs: 2, verbose: 0, seed: 1);
        Assert.NotEqual(before, model.Weights[0].ToArray());
        Assert.True(history["loss"][0] > 0);
        Assert.True(history["loss"][1] < history["loss"][0]);
    }
}

public class DataLoaderResumeTests
{
    [Fact]
    public void Batches_from_a_later_batch_on_are_those_of_the_whole_epoch_from_there()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), 10, 2);
        var y = Tensor.FromArray(Enumerable.Range(0, 10).Select(i => (float)i).ToArray());
        using var loader = new DataLoader(x, y, batchSize: 3, shuffle: true, seed: 4);
        var source = (IBatchSource)loader;
        var whole = source.GetBatches(2).Select(b => (b.Number, b.Y!.ToArray())).ToList();

        var rest = source.GetBatches(2, 2).Select(b => (b.Number, b.Y!.ToArray())).ToList();

        Assert.Equal(whole.Skip(2).Select(b => b.Number), rest.Select(b => b.Number));
        Assert.Equal(whole.Skip(2).Select(b => b.Item2), rest.Select(b => b.Item2));
        Assert.Empty(source.GetBatches(2, 4));
    }
}

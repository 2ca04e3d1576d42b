namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where a seed model's training step goes (<c>cnn-ops</c>: the seed CNN, batch 128; <c>mlp-ops</c>: the seed MLP,
/// batch 32; <c>lstm-ops</c>: the stacked row LSTM, batch 128, each image 28 steps of 28 features; <c>--batch</c> chooses others), one batch of Fashion-MNIST images trained by <see cref="Model.TrainOnBatch"/>,
/// op by op (<see cref="OpTimelineRows"/>): µs per step of each op's forward and backward at the model's shapes. No peer.
/// </summary>
internal sealed class SeedModelOpsBenchmark(string name, Func<Model> build, int defaultBatch, params int[] imageShape) : IBenchmark
{
    private const int WarmUpSteps = 30;

    // Tiered compilation promotes the hot methods only after they have run for a while (a 100 ms delay, then call
    // counting): thirty MLP steps take 3 ms, and the timeline then charged unoptimized code.
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(2);

    /// <summary>The seed CNN at batch 128.</summary>
    public static SeedModelOpsBenchmark Cnn() => new("cnn-ops", () => DeepSharp.Examples.SeedModels.Cnn(10), 128, 28, 28, 1);

    /// <summary>The seed MLP at batch 32.</summary>
    public static SeedModelOpsBenchmark Mlp() => new("mlp-ops", () => DeepSharp.Examples.SeedModels.Mlp(10), 32, 28, 28);

    /// <summary>The stacked row LSTM at batch 128.</summary>
    public static SeedModelOpsBenchmark Lstm() => new("lstm-ops", () => DeepSharp.Examples.SeedModels.RowLstm(10), 128, 28, 28);

    public string Name => name;

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        foreach (int batch in options.BatchesOr(defaultBatch))
        {
            using var x = Tensor.FromArray(Ops.Slice(train.X, 0, 0, batch).ToArray(), [batch, .. imageShape]);
            using var y = Tensor.FromArray(Ops.Slice(train.Y, 0, 0, batch).ToArray());
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                RandomGenerator.SetSeed(1);
                var model = build();
                model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; i < WarmUpSteps || clock.Elapsed < WarmUpTime; i++) model.TrainOnBatch(x, y);
                foreach (var row in OpTimelineRows.Measure(() => model.TrainOnBatch(x, y), $"b{batch} t{threads}")) yield return row;
            }
        }
    }
}

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the seed CNN's training step goes (<c>cnn</c>'s model, one batch of Fashion-MNIST images trained by
/// <see cref="Model.TrainOnBatch"/>, batch 128 unless <c>--batch</c> says otherwise), op by op
/// (<see cref="OpTimelineRows"/>): µs per step of each op's forward and backward at the model's shapes. No peer.
/// </summary>
internal sealed class CnnOpsBenchmark : IBenchmark
{
    private const int WarmUpSteps = 30;

    public string Name => "cnn-ops";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        foreach (int batch in options.BatchesOr(128))
        {
            using var x = Tensor.FromArray(Ops.Slice(train.X, 0, 0, batch).ToArray(), batch, 28, 28, 1);
            using var y = Tensor.FromArray(Ops.Slice(train.Y, 0, 0, batch).ToArray());
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                RandomGenerator.SetSeed(1);
                var model = DeepSharp.Examples.SeedModels.Cnn(10);
                model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
                for (int i = 0; i < WarmUpSteps; i++) model.TrainOnBatch(x, y);
                foreach (var row in OpTimelineRows.Measure(() => model.TrainOnBatch(x, y), $"b{batch} t{threads}")) yield return row;
            }
        }
    }
}

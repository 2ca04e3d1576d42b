using System.Diagnostics;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed MLP's Fit at batch 32 and 128 with the loader gathering the next batch ahead (on the kernel threads between
/// their jobs) against gathering each batch when it is asked for (<c>DEEPSHARP_LOADER=sync</c>), epoch by epoch in one
/// process and one model, the order of each pair turned round every pair: the median of the pairs' ratios, and each
/// side's fastest epoch. DeepSharp only.
/// </summary>
internal sealed class MlpLoaderBenchmark : IBenchmark
{
    private const int Pairs = 8;

    public string Name => "mlp-loader";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Mlp(10));
        foreach (int threads in options.Threads)
            foreach (int batch in options.BatchesOr(32, 128))
            {
                Parallelism.Threads = threads;
                RandomGenerator.SetSeed(1);
                var model = DeepSharp.Examples.SeedModels.Mlp(10);
                model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
                double Epoch(bool ahead)
                {
                    DataLoader.Prefetches = ahead;
                    long start = Stopwatch.GetTimestamp();
                    model.Fit(train.X, train.Y, batchSize: batch, epochs: 1, verbose: 0, seed: 1);
                    return train.Count / Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
                Epoch(true);
                Epoch(false); // warm-up
                var ratios = new List<double>();
                double bestAhead = 0, bestSync = 0;
                for (int pair = 0; pair < Pairs; pair++)
                {
                    double ahead, sync;
                    if (pair % 2 == 0) (ahead, sync) = (Epoch(true), Epoch(false));
                    else (sync, ahead) = (Epoch(false), Epoch(true));
                    ratios.Add(ahead / sync);
                    (bestAhead, bestSync) = (Math.Max(bestAhead, ahead), Math.Max(bestSync, sync));
                }
                DataLoader.Prefetches = true;
                ratios.Sort();
                Console.Error.WriteLine($"mlp-loader b{batch} t{threads}: ahead / on demand by pair {string.Join(", ", ratios.Select(r => r.ToString("F3")))}");
                yield return new BenchmarkResult($"mlp b{batch} t{threads}, next batch gathered ahead", bestAhead, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
                yield return new BenchmarkResult($"mlp b{batch} t{threads}, gathered on demand", bestSync, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
                yield return new BenchmarkResult($"mlp b{batch} t{threads}, ahead / on demand (median pair)", ratios[Pairs / 2], double.NaN, BenchmarkUnit.Times);
            }
    }
}

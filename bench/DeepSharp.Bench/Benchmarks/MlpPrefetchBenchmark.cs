using System.Diagnostics;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Fit of the seed MLP (<see cref="MlpBenchmark"/>'s model, data and settings) with the loader's prefetch of the next
/// batch on against off (<c>DEEPSHARP_LOADER_PREFETCH=off</c>), in alternating epochs of one run, so that both sides see
/// the same state of a shared machine. Each epoch's steps are timed; the row gives each side's fastest eighth of an
/// epoch (as the mlp row), the console the median step of each epoch and the median of the paired epochs' ratios.
/// </summary>
internal sealed class MlpPrefetchBenchmark : IBenchmark
{
    private static readonly int[] BatchSizes = [32, 128];
    private const int Epochs = 17; // the first warms up; then on, off, on, off, ...
    private static readonly bool PrefetchAtStart = DataLoader.PrefetchNext;

    public string Name => "mlp-prefetch";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Mlp(10));
        foreach (int batch in BatchSizes)
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                RandomGenerator.SetSeed(1);
                var model = DeepSharp.Examples.SeedModels.Mlp(10);
                model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
                var recorder = new Recorder((train.Count + batch - 1) / batch, Epochs);
                model.Fit(train.X, train.Y, batchSize: batch, epochs: Epochs, verbose: 0, callbacks: [recorder], seed: 1);
                DataLoader.PrefetchNext = PrefetchAtStart;
                int full = train.Count / batch, slice = full / 8;
                double Fastest(bool on) => Enumerable.Range(1, Epochs - 1).Where(e => (e % 2 == 1) == on)
                    .SelectMany(e => Enumerable.Range(0, 8).Select(s => (recorder.Ends[e][(s + 1) * slice] - recorder.Ends[e][s * slice]) / (double)Stopwatch.Frequency / slice))
                    .Min();
                double Median(int e)
                {
                    var steps = Enumerable.Range(0, full).Select(i => (double)(recorder.Ends[e][i + 1] - recorder.Ends[e][i])).Order().ToArray();
                    return steps[full / 2] / Stopwatch.Frequency;
                }
                var ratios = Enumerable.Range(0, (Epochs - 1) / 2).Select(p => Median(2 + 2 * p) / Median(1 + 2 * p)).Order().ToArray();
                Console.WriteLine($"  {Name} b{batch} t{threads}: median step per epoch, on: {string.Join(", ", Enumerable.Range(1, Epochs - 1).Where(e => e % 2 == 1).Select(e => (Median(e) * 1e6).ToString("F1")))} us; " +
                    $"off: {string.Join(", ", Enumerable.Range(1, Epochs - 1).Where(e => e % 2 == 0).Select(e => (Median(e) * 1e6).ToString("F1")))} us; " +
                    $"paired ratios off/on: median {ratios[ratios.Length / 2]:F3} (min {ratios[0]:F3}, max {ratios[^1]:F3})");
                yield return new BenchmarkResult($"mlp train b{batch} t{threads}, next batch prefetched", batch / Fastest(true), batch / Fastest(false),
                    BenchmarkUnit.SamplesPerSecond, flops, PeerName: "not prefetched");
            }
    }

    /// <summary>Step ends of every epoch; switches the prefetch on in odd epochs and off in even ones.</summary>
    private sealed class Recorder(int steps, int epochs) : Callback
    {
        public readonly long[][] Ends = [.. Enumerable.Range(0, epochs).Select(_ => new long[steps + 1])];
        private int _epoch, _step;

        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            DataLoader.PrefetchNext = PrefetchAtStart && epoch % 2 == 1;
            (_epoch, _step) = (epoch, 0);
            Ends[epoch][_step++] = Stopwatch.GetTimestamp();
        }

        public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
        {
            if (_step < Ends[_epoch].Length) Ends[_epoch][_step++] = Stopwatch.GetTimestamp();
        }
    }
}

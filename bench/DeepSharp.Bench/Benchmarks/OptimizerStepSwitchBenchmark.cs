using System.Diagnostics;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The optimizer step alone, and the training step around it, with the one pass over all variables
/// (<see cref="Optimizer.StepsTogether"/>; off at start with <c>DEEPSHARP_OPTIMIZER_STEP=per-variable</c>) against the
/// update variable by variable: the vit at batch 128 and the seed MLP at 32 and 128 (Adam), alternating step by step in
/// one process (the order of each pair drawn at random). The optimizer step is what <see cref="OpTimeline"/> charges to it
/// (from the last backward rule to the end of <c>ApplyGradients</c>); each side's fastest, 10th, 25th and 50th percentile
/// over the pairs, in µs (the "peer" column is the loop), then the whole step's, as samples/s. Under
/// <c>DEEPSHARP_BENCH_CPU_TIME=1</c> one-thread rows read the calling thread's CPU time.
/// </summary>
internal sealed class OptimizerStepSwitchBenchmark : IBenchmark
{
    private const int WarmUpPairs = 30;
    private static readonly bool CpuTime = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_CPU_TIME") == "1";
    private readonly LibrarySwitch _switch = new(() => Optimizer.StepsTogether, on => Optimizer.StepsTogether = on);

    public string Name => "optimizer-switch";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        try
        {
            foreach (var (model, batch, pairs) in new[] { ("vit", 128, 300), ("mlp", 32, 2000), ("mlp", 128, 1000) })
            {
                var samples = SyntheticBatch.Tensors(batch, seed: 14);
                using var x = samples.X;
                using var y = samples.Y;
                foreach (int threads in options.Threads)
                    foreach (var row in Rows(model, batch, pairs, threads, x, y)) yield return row;
            }
        }
        finally
        {
            _switch.Set(true);
        }
    }

    private IEnumerable<BenchmarkResult> Rows(string name, int batch, int pairs, int threads, Tensor x, Tensor y)
    {
        Parallelism.Threads = threads;
        RandomGenerator.SetSeed(1);
        var model = name == "vit" ? DeepSharp.Examples.SeedModels.Vit(10) : DeepSharp.Examples.SeedModels.Mlp(10);
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(model);
        bool cpu = CpuTime && threads == 1;
        Func<long> now = cpu ? ThreadCpuClock.Now : Stopwatch.GetTimestamp;
        OpTimeline.Clock = cpu ? ThreadCpuClock.Now : null;
        var optimizer = (On: new List<double>(pairs), Off: new List<double>(pairs));
        var step = (On: new List<double>(pairs), Off: new List<double>(pairs));
        var order = new Random(5);
        try
        {
            for (int pair = 0; pair < WarmUpPairs + pairs; pair++)
            {
                bool onFirst = order.Next(2) == 0;
                for (int side = 0; side < 2; side++)
                {
                    bool on = (side == 0) == onFirst;
                    _switch.Set(on);
                    OpTimeline.Start();
                    OpTimeline.Enabled = true;
                    long start = now();
                    model.TrainOnBatch(x, y);
                    long end = now();
                    OpTimeline.Enabled = false;
                    if (pair < WarmUpPairs) continue;
                    long ticks = OpTimeline.Entries.Where(e => e.Phase == 'S' && e.Op == "optimizer step").Sum(e => e.Ticks);
                    (on ? optimizer.On : optimizer.Off).Add(ticks * 1e6 / Stopwatch.Frequency);
                    (on ? step.On : step.Off).Add((end - start) / (double)Stopwatch.Frequency);
                }
            }
        }
        finally
        {
            OpTimeline.Enabled = false;
            OpTimeline.Clock = null;
        }
        string clock = cpu ? "cpu" : "clock";
        foreach (var list in new[] { optimizer.On, optimizer.Off, step.On, step.Off }) list.Sort();
        foreach (var (label, q) in new[] { ("fastest", 0.0), ("p10", 0.10), ("p25", 0.25), ("median", 0.50) })
            yield return new BenchmarkResult($"{name} b{batch} t{threads} optimizer step {label} ({clock}), one pass vs loop",
                At(optimizer.On, q), At(optimizer.Off, q), BenchmarkUnit.Microseconds, PeerName: "loop");
        foreach (var (label, q) in new[] { ("fastest", 0.0), ("p25", 0.25), ("median", 0.50) })
            yield return new BenchmarkResult($"{name} train b{batch} t{threads} {label} ({clock}, timeline on), one pass vs loop",
                batch / At(step.On, q), batch / At(step.Off, q), BenchmarkUnit.SamplesPerSecond, flops, PeerName: "loop");
    }

    private static double At(List<double> sorted, double q) => sorted[(int)(q * (sorted.Count - 1))];
}

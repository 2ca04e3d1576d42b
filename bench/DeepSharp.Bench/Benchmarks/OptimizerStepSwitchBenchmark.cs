using System.Diagnostics;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The optimizer step alone, and the training step around it, with the one pass over all variables
/// (<see cref="Optimizer.StepsTogether"/>; off at start with <c>DEEPSHARP_OPTIMIZER_STEP=per-variable</c>) against the
/// update variable by variable: the vit at batch 128 and the seed MLP at 32 and 128 (Adam), alternating step by step in
/// one process (the order of each pair drawn at random). Each step is <c>TrainOnBatch</c>'s (forward, loss, backward into
/// the weights' gradients, <c>ApplyGradients</c>, in a tensor scope) without the metrics, and the optimizer step is
/// <c>ApplyGradients</c> timed alone inside it. Rows: each side's fastest, 10th, 25th and 50th percentile over the pairs,
/// in µs (the "peer" column is the loop), then the whole step's, as samples/s. Under <c>DEEPSHARP_BENCH_CPU_TIME=1</c>
/// one-thread rows read the calling thread's CPU time.
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
        var optimizer = (On: new List<double>(pairs), Off: new List<double>(pairs));
        var step = (On: new List<double>(pairs), Off: new List<double>(pairs));
        var order = new Random(5);
        for (int pair = 0; pair < WarmUpPairs + pairs; pair++)
        {
            bool onFirst = order.Next(2) == 0;
            for (int side = 0; side < 2; side++)
            {
                bool on = (side == 0) == onFirst;
                _switch.Set(on);
                var (whole, update) = Step(model, x, y, now);
                if (pair < WarmUpPairs) continue;
                (on ? optimizer.On : optimizer.Off).Add(update * 1e6 / Stopwatch.Frequency);
                (on ? step.On : step.Off).Add(whole / (double)Stopwatch.Frequency);
            }
        }
        string clock = cpu ? "cpu" : "clock";
        foreach (var list in new[] { optimizer.On, optimizer.Off, step.On, step.Off }) list.Sort();
        foreach (var (label, q) in new[] { ("fastest", 0.0), ("p10", 0.10), ("p25", 0.25), ("median", 0.50) })
            yield return new BenchmarkResult($"{name} b{batch} t{threads} ApplyGradients {label} ({clock}), one pass",
                At(optimizer.On, q), At(optimizer.Off, q), BenchmarkUnit.Microseconds, PeerName: "loop");
        foreach (var (label, q) in new[] { ("fastest", 0.0), ("p25", 0.25), ("median", 0.50) })
            yield return new BenchmarkResult($"{name} train b{batch} t{threads} {label} ({clock}), one pass",
                batch / At(step.On, q), batch / At(step.Off, q), BenchmarkUnit.SamplesPerSecond, flops, PeerName: "loop");
    }

    /// <summary>One training step as <c>Trainer.TrainStep</c> takes it, less the metrics: its ticks, and those of its <c>ApplyGradients</c>.</summary>
    private static (long Whole, long Update) Step(Model model, Tensor x, Tensor y, Func<long> now)
    {
        long start = now(), before, after;
        using (TensorScope.Begin())
        {
            var predictions = model.Call(x, training: true);
            var loss = model.Loss!.Compute(y, predictions, model.OutputActivation);
            var trainable = model.TrainableAtCompile;
            GradientEngine.BackwardTo(loss, null, retainGraph: false, trainable, results: null);
            before = now();
            model.Optimizer!.ApplyGradients(trainable);
            after = now();
        }
        return (now() - start, after - before);
    }

    private static double At(List<double> sorted, double q) => sorted[(int)(q * (sorted.Count - 1))];
}

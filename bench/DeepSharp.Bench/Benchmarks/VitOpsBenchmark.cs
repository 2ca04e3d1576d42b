using System.Diagnostics;
using System.Globalization;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the vit's training step goes (<see cref="VitBenchmark"/>'s model and batch), op by op: the library's
/// <see cref="OpTimeline"/> charges the time between one recorded op (or backward rule) and the next to it, over
/// short windows of steps, each op's figure from its fastest window. One row per op, phase (F forward, B backward, S the
/// rest of the step) and shapes, in µs per step, largest first; matrix products and attention products also give their GFLOP/s. Then each phase's total (its fastest window) and the
/// step timed without the timeline beside them (what the marks themselves cost). No peer.
/// </summary>
internal sealed class VitOpsBenchmark : IBenchmark
{
    private const int Batch = 128, WarmUpSteps = 30, Windows = 12, StepsPerWindow = 5;

    public string Name => "vit-ops";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 12);
        using var x = Tensor.FromArray(pixels, Batch, 28, 28);
        using var y = Tensor.FromArray(labels);
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            RandomGenerator.SetSeed(1);
            var model = DeepSharp.Examples.SeedModels.Vit(10);
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            for (int i = 0; i < WarmUpSteps; i++) model.TrainOnBatch(x, y);

            // Timed in short windows, each op's figure from its fastest window: on a shared machine the mean of a long run
            // charges other processes' bursts to whichever op they hit, two-thread ops most.
            var fastest = new Dictionary<(char, string, TensorShape, TensorShape, TensorShape), OpTimeline.Entry>();
            var phaseTotals = new Dictionary<char, double>();
            for (int window = 0; window < Windows; window++)
            {
                OpTimeline.Start();
                OpTimeline.Enabled = true;
                for (int i = 0; i < StepsPerWindow; i++)
                {
                    OpTimeline.Skip();
                    model.TrainOnBatch(x, y);
                    OpTimeline.Mark("metrics, end of the step's scope");
                }
                OpTimeline.Enabled = false;
                foreach (var e in OpTimeline.Entries)
                {
                    var key = (e.Phase, e.Op, e.Output, e.First, e.Second);
                    // Start() makes new entries, so a window's entry can be kept as it is.
                    if (!fastest.TryGetValue(key, out var best) || e.Ticks < best.Ticks) fastest[key] = e;
                }
                foreach (char phase in "FBS")
                {
                    double total = OpTimeline.Entries.Where(e => e.Phase == phase).Sum(e => (double)e.Ticks);
                    phaseTotals[phase] = phaseTotals.TryGetValue(phase, out double t) ? Math.Min(t, total) : total;
                }
            }

            double perStep = 1e6 / Stopwatch.Frequency / StepsPerWindow;
            var entries = fastest.Values.OrderByDescending(e => e.Ticks).ToList();
            foreach (var e in entries)
                yield return new BenchmarkResult($"{e.Phase} {Describe(e, perStep)} t{threads}", e.Ticks * perStep, double.NaN, BenchmarkUnit.Microseconds);
            foreach (char phase in "FBS")
                yield return new BenchmarkResult($"{phase} total t{threads}", phaseTotals[phase] * perStep, double.NaN, BenchmarkUnit.Microseconds);
            yield return new BenchmarkResult($"step without the timeline t{threads}", Measure.SecondsPerCall(() => model.TrainOnBatch(x, y)) * 1e6, double.NaN,
                BenchmarkUnit.Microseconds);
        }
    }

    /// <summary>"op output ← first, second [calls per step, GFLOP/s]"; the FLOPs of products only (2·output·k forward, twice that backward).</summary>
    private static string Describe(OpTimeline.Entry e, double microsecondsPerTickStep)
    {
        string shapes = e.Output.Rank == 0 && e.First.Rank == 0 ? "" : $" {e.Output} ← {e.First}{(e.Second.Rank > 0 ? ", " + e.Second : "")}";
        double calls = (double)e.Calls / StepsPerWindow;
        string rate = "";
        // Products: 2·output·k (matmul, dense: k is the first input's last axis; the attention ops likewise), and
        // self-attention's two products per pair (4·output·steps, as its key and value features are equal here).
        double forward = e.Op switch
        {
            "matmul" or "dense" or "attention_weights" or "attention_context" when e.First.Rank > 0 => 2.0 * e.Output.Size * e.First[-1],
            "self_attention" => 4.0 * e.Output.Size * e.Output[1],
            _ => 0,
        };
        if (forward > 0)
        {
            double flops = forward * (e.Phase == 'B' ? 2 : 1) * calls;
            rate = $", {(flops / (e.Ticks * microsecondsPerTickStep * 1e3)).ToString("F0", CultureInfo.InvariantCulture)} GFLOP/s";
        }
        return $"{e.Op}{shapes} [{calls.ToString("G3", CultureInfo.InvariantCulture)}×{rate}]";
    }
}

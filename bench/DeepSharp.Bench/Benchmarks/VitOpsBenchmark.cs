using System.Globalization;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the vit's training step goes (<see cref="VitBenchmark"/>'s model and batch), op by op (<see cref="OpTimelineRows"/>):
/// one row per op, phase (F forward, B backward, S the rest of the step) and shapes, in µs per step, largest first;
/// matrix products and attention products also give their GFLOP/s. Then each phase's total and the step timed without
/// the timeline. No peer.
/// </summary>
internal sealed class VitOpsBenchmark : IBenchmark
{
    private const int Batch = 128, WarmUpSteps = 30;

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

            foreach (var row in OpTimelineRows.Measure(() => model.TrainOnBatch(x, y), $"t{threads}", Describe)) yield return row;
        }
    }

    /// <summary>"op output ← first, second [calls per step, GFLOP/s]"; the FLOPs of products only (2·output·k forward, twice that backward).</summary>
    private static string Describe(OpTimeline.Entry e, double calls, double microsecondsPerStep)
    {
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
            rate = $", {(flops / (microsecondsPerStep * 1e3)).ToString("F0", CultureInfo.InvariantCulture)} GFLOP/s";
        }
        return $"{e.Op}{OpTimelineRows.Shapes(e)} [{calls.ToString("G3", CultureInfo.InvariantCulture)}×{rate}]";
    }
}

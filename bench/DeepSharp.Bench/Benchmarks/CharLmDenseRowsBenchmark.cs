using DeepSharp.Examples;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The charlm step (<see cref="CharLmBenchmark"/>'s model and windows) with its Dense head's backward in groups of rows
/// (<see cref="DenseRowGroups.Enabled"/>: 6,400 rows, four groups) against the gradient pass and the two whole products,
/// in alternating blocks in one process; the peer column is the old path.
/// </summary>
internal sealed class CharLmDenseRowsBenchmark : IBenchmark
{
    private const int Batch = 64, Length = 100, Vocabulary = 115, Units = 256;

    public string Name => "charlm-dense-rows";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var random = new Random(13);
        var ids = new float[Batch * (Length + 1)];
        for (int i = 0; i < ids.Length; i++) ids[i] = 2 + random.Next(Vocabulary - 2);
        var (xs, ys) = CharLanguageModel.Windows(ids, Length);
        using var x = Tensor.FromArray(xs.ToArray(), xs.Shape[0], Length);
        using var y = Tensor.FromArray(ys.ToArray(), xs.Shape[0], Length);
        bool atStart = DenseRowGroups.Enabled;
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            RandomGenerator.SetSeed(1);
            var model = CharLanguageModel.Compiled(Vocabulary, Units, Length, 2e-3);
            double flops = TrainingFlops.StepPerSample(model);
            var (on, off) = Measure.SecondsPerCall(
                () => { DenseRowGroups.Enabled = atStart; model.TrainOnBatch(x, y); },
                () => { DenseRowGroups.Enabled = false; model.TrainOnBatch(x, y); },
                TimeSpan.FromMilliseconds(400));
            DenseRowGroups.Enabled = atStart;
            yield return new BenchmarkResult($"charlm train b{xs.Shape[0]} t{threads}, row groups vs whole products", xs.Shape[0] / on, xs.Shape[0] / off,
                BenchmarkUnit.SamplesPerSecond, flops, PeerName: "whole products");
        }
    }
}

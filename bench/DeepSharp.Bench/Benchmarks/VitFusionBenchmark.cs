using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step (<see cref="VitBenchmark"/>'s model and batch) with the fused paths of its layers against
/// the same build with them switched off (the separate ops they replaced), in alternating blocks in one process, so
/// that both sides see the same state of a shared machine: a Dense layer's bias and activation in its product
/// (<see cref="DenseBiasActivation.Enabled"/>) and self-attention's three projections as one product with its weights and
/// context as one op (<see cref="MultiHeadAttention.SelfAttentionFused"/>). The "peer" column is the build with the
/// switches off; a switch turned off by its environment variable stays off on both sides.
/// </summary>
internal sealed class VitFusionBenchmark : IBenchmark
{
    private const int Batch = 128;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(300);

    public string Name => "vit-fusion";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 12);
        using var x = Tensor.FromArray(pixels, Batch, 28, 28);
        using var y = Tensor.FromArray(labels);
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Vit(10));
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            RandomGenerator.SetSeed(1);
            var model = DeepSharp.Examples.SeedModels.Vit(10);
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            var (fused, separate) = Measure.SecondsPerCall(
                () => { Switch(true); model.TrainOnBatch(x, y); },
                () => { Switch(false); model.TrainOnBatch(x, y); },
                RunLength);
            Switch(true);
            yield return new BenchmarkResult($"vit train b{Batch} t{threads}, fused vs separate", Batch / fused, Batch / separate, BenchmarkUnit.SamplesPerSecond, flops,
                PeerName: "separate ops");
        }
    }

    // The fused side is the process's start-up setting: DEEPSHARP_DENSE=separate or DEEPSHARP_SELF_ATTENTION=separate
    // leaves that path off on both sides, so that the row measures the other alone.
    private static readonly bool DenseAtStart = DenseBiasActivation.Enabled, SelfAttentionAtStart = MultiHeadAttention.SelfAttentionFused;

    private static void Switch(bool on)
    {
        DenseBiasActivation.Enabled = on && DenseAtStart;
        MultiHeadAttention.SelfAttentionFused = on && SelfAttentionAtStart;
    }
}

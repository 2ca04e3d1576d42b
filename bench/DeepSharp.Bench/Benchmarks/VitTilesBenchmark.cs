using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// A/B in one process of self-attention's pairs with their key-major tile in registers
/// (<see cref="AttentionKernel.RegisterTiles"/>) against the tile in memory, alternating in blocks: the op forward and
/// backward at the vit's shapes (batch 128), then the vit's training step (<see cref="VitSwitchBenchmark"/>'s model and
/// batch). The switch changes no value. The "peer" column is the memory side.
/// </summary>
internal sealed class VitTilesBenchmark : IBenchmark
{
    private const int Batch = 128, Steps = 16, Heads = 4, HeadFeatures = 16, Features = Heads * HeadFeatures;
    private static readonly TimeSpan StepRunLength = TimeSpan.FromMilliseconds(300);

    public string Name => "vit-tiles";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        bool atStart = AttentionKernel.RegisterTiles;
        using var qkv = Random(1, Batch, Steps, 3 * Features).WithRequiresGrad();
        using var context = Random(2, Batch, Steps, Heads, HeadFeatures);
        var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 12);
        using var images = Tensor.FromArray(pixels, Batch, 28, 28);
        using var targets = Tensor.FromArray(labels);
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Vit(10));
        try
        {
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                var (a, b) = Measure.SecondsPerCall(
                    () => { AttentionKernel.RegisterTiles = atStart; Attention(qkv, context); },
                    () => { AttentionKernel.RegisterTiles = false; Attention(qkv, context); });
                yield return new BenchmarkResult($"self_attention F+B ({Batch}, {Steps}, {Heads}, {HeadFeatures}) t{threads}, registers", a * 1e6, b * 1e6,
                    BenchmarkUnit.Microseconds, PeerName: "memory");
                RandomGenerator.SetSeed(1);
                var model = DeepSharp.Examples.SeedModels.Vit(10);
                model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
                (a, b) = Measure.SecondsPerCall(
                    () => { AttentionKernel.RegisterTiles = atStart; model.TrainOnBatch(images, targets); },
                    () => { AttentionKernel.RegisterTiles = false; model.TrainOnBatch(images, targets); },
                    StepRunLength);
                yield return new BenchmarkResult($"vit train b{Batch} t{threads}, registers", Batch / a, Batch / b, BenchmarkUnit.SamplesPerSecond, flops,
                    PeerName: "memory");
            }
        }
        finally
        {
            AttentionKernel.RegisterTiles = atStart;
        }
    }

    private static void Attention(Tensor qkv, Tensor upstream)
    {
        using (TensorScope.Begin())
            Ops.SelfAttention(qkv, Heads, HeadFeatures, 0.25f).Backward(upstream);
        qkv.ZeroGrad();
    }

    private static Tensor Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return Tensor.FromArray(values, shape);
    }
}

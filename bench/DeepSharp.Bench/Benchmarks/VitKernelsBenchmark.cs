using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// A/B in one process of the vit's attention and layer-normalization kernels: the softmax of self-attention down
/// key-major columns (<see cref="AttentionKernel.ColumnSoftmax"/>) and layer normalization 16 rows at a time
/// (<see cref="LayerNormKernel.RowBlocks"/>) against the same build with both switched off (a row at a time), alternating
/// in blocks. The switches change no value. Rows: each op forward and backward at the vit's shapes (batch 128), then the
/// whole training step. The "peer" column is the rows side.
/// </summary>
internal sealed class VitKernelsBenchmark : IBenchmark
{
    private const int Batch = 128, Steps = 16, Heads = 4, HeadFeatures = 16, Features = Heads * HeadFeatures;
    private static readonly TimeSpan StepRunLength = TimeSpan.FromMilliseconds(300);

    public string Name => "vit-kernels";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        bool columnsAtStart = AttentionKernel.ColumnSoftmax, blocksAtStart = LayerNormKernel.RowBlocks;
        using var qkv = Random(1, Batch, Steps, 3 * Features).WithRequiresGrad();
        using var context = Random(2, Batch, Steps, Heads, HeadFeatures);
        using var x = Random(3, Batch, Steps, Features).WithRequiresGrad();
        using var gamma = Random(4, Features).WithRequiresGrad();
        using var beta = Random(5, Features).WithRequiresGrad();
        using var normalized = Random(6, Batch, Steps, Features);
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
                    () => { AttentionKernel.ColumnSoftmax = columnsAtStart; Attention(qkv, context); },
                    () => { AttentionKernel.ColumnSoftmax = false; Attention(qkv, context); });
                yield return new BenchmarkResult($"self_attention F+B ({Batch}, {Steps}, {Heads}, {HeadFeatures}) t{threads}, columns", a * 1e6, b * 1e6,
                    BenchmarkUnit.Microseconds, PeerName: "rows");
                (a, b) = Measure.SecondsPerCall(
                    () => { LayerNormKernel.RowBlocks = blocksAtStart; LayerNorm(x, gamma, beta, normalized); },
                    () => { LayerNormKernel.RowBlocks = false; LayerNorm(x, gamma, beta, normalized); });
                yield return new BenchmarkResult($"layer_normalization F+B ({Batch}, {Steps}, {Features}) t{threads}, blocks", a * 1e6, b * 1e6,
                    BenchmarkUnit.Microseconds, PeerName: "rows");
                RandomGenerator.SetSeed(1);
                var model = DeepSharp.Examples.SeedModels.Vit(10);
                model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
                (a, b) = Measure.SecondsPerCall(
                    () => { Switch(true, columnsAtStart, blocksAtStart); model.TrainOnBatch(images, targets); },
                    () => { Switch(false, columnsAtStart, blocksAtStart); model.TrainOnBatch(images, targets); },
                    StepRunLength);
                yield return new BenchmarkResult($"vit train b{Batch} t{threads}, columns and blocks", Batch / a, Batch / b, BenchmarkUnit.SamplesPerSecond, flops,
                    PeerName: "rows");
            }
        }
        finally
        {
            Switch(true, columnsAtStart, blocksAtStart);
        }
    }

    // A switch turned off by its environment variable (DEEPSHARP_ATTENTION_SOFTMAX=rows, DEEPSHARP_LAYER_NORM=rows)
    // stays off on both sides, so that a row measures the other alone.
    private static void Switch(bool on, bool columnsAtStart, bool blocksAtStart)
    {
        AttentionKernel.ColumnSoftmax = on && columnsAtStart;
        LayerNormKernel.RowBlocks = on && blocksAtStart;
    }

    private static void Attention(Tensor qkv, Tensor upstream)
    {
        using (TensorScope.Begin())
            Ops.SelfAttention(qkv, Heads, HeadFeatures, 0.25f).Backward(upstream);
        qkv.ZeroGrad();
    }

    private static void LayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor upstream)
    {
        using (TensorScope.Begin())
            Ops.LayerNormalization(x, gamma, beta, 1e-6f).Backward(upstream);
        x.ZeroGrad();
        gamma.ZeroGrad();
        beta.ZeroGrad();
    }

    private static Tensor Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return Tensor.FromArray(values, shape);
    }
}

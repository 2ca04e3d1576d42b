using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's self-attention op alone (batch 128, 16 steps, 4 heads of 16), forward (F) and forward then backward (F+B), with the tiles
/// (<see cref="AttentionKernel.Tiles"/>, <see cref="AttentionKernel.RecomputeWeights"/> and
/// <see cref="AttentionKernel.StreamWeights"/>, as the environment left them)
/// against the key-major pair path, alternating in blocks: "hot" on one input, whose 3 MB stay in the caches, and "cold"
/// taking in turn sixteen inputs (about 50 MB with their weights and gradients), so that each call finds its memory
/// beyond the caches as a training step does. µs per call; the "peer" column is the pair path.
/// </summary>
internal sealed class VitAttentionOpBenchmark : IBenchmark
{
    private const int Batch = 128, Steps = 16, Heads = 4, HeadFeatures = 16, Inputs = 16;

    public string Name => "vit-attention-op";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        bool tilesAtStart = AttentionKernel.Tiles, recomputeAtStart = AttentionKernel.RecomputeWeights, streamAtStart = AttentionKernel.StreamWeights;
        var qkv = new Tensor[Inputs];
        var upstream = new Tensor[Inputs];
        for (int i = 0; i < Inputs; i++)
        {
            qkv[i] = Random(1 + i, Batch, Steps, 3 * Heads * HeadFeatures).WithRequiresGrad();
            upstream[i] = Random(100 + i, Batch, Steps, Heads, HeadFeatures);
        }
        try
        {
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                foreach (bool cold in new[] { false, true })
                    foreach (bool backward in new[] { false, true })
                    {
                        int next = 0;
                        void Call()
                        {
                            int i = cold ? next++ % Inputs : 0;
                            using (TensorScope.Begin())
                            {
                                var context = Ops.SelfAttention(qkv[i], Heads, HeadFeatures, 0.25f);
                                if (backward) context.Backward(upstream[i]);
                            }
                            qkv[i].ZeroGrad();
                        }
                        var (a, b) = Measure.SecondsPerCall(
                            () => { Set(true, tilesAtStart, recomputeAtStart, streamAtStart); Call(); },
                            () => { Set(false, tilesAtStart, recomputeAtStart, streamAtStart); Call(); });
                        yield return new BenchmarkResult(
                            $"self_attention {(backward ? "F+B" : "F")} ({Batch}, {Steps}, {Heads}, {HeadFeatures}) t{threads}, {(cold ? "cold" : "hot")}, tiles",
                            a * 1e6, b * 1e6, BenchmarkUnit.Microseconds, PeerName: "pairs");
                    }
            }
        }
        finally
        {
            Set(true, tilesAtStart, recomputeAtStart, streamAtStart);
            for (int i = 0; i < Inputs; i++)
            {
                qkv[i].Dispose();
                upstream[i].Dispose();
            }
        }
    }

    private static void Set(bool on, bool tilesAtStart, bool recomputeAtStart, bool streamAtStart)
    {
        AttentionKernel.Tiles = on && tilesAtStart;
        AttentionKernel.RecomputeWeights = on && recomputeAtStart;
        AttentionKernel.StreamWeights = on && streamAtStart;
    }

    private static Tensor Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return Tensor.FromArray(values, shape);
    }
}

using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's self-attention op alone (batch 128, 16 steps, 4 heads of 16), forward (F) and forward then backward (F+B), with
/// the tiles (<see cref="AttentionKernel.Tiles"/> and <see cref="AttentionKernel.StreamWeights"/>, as the environment left
/// them) against the key-major pair path, alternating in blocks: "hot" on one input (about 5 MB with its weights and
/// gradients: the last-level cache at best), and "cold" taking sixteen in turn (about 70 MB), so that each call finds its
/// memory beyond the caches, as the attention of a training step finds what the forward kept. µs per call; the "peer" column is the pair path; then the non-temporal stores
/// alone (tiles on both sides; the peer stores the weights through the caches).
/// </summary>
internal sealed class VitAttentionOpBenchmark : IBenchmark
{
    private const int Batch = 128, Steps = 16, Heads = 4, HeadFeatures = 16, Inputs = 16;

    public string Name => "vit-attention-op";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        bool tilesAtStart = AttentionKernel.Tiles, streamAtStart = AttentionKernel.StreamWeights;
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
                        string name = $"self_attention {(backward ? "F+B" : "F")} ({Batch}, {Steps}, {Heads}, {HeadFeatures}) t{threads}, {(cold ? "cold" : "hot")}";
                        var (a, b) = Measure.SecondsPerCall(
                            () => { Set(true, tilesAtStart, streamAtStart); Call(); },
                            () => { Set(false, tilesAtStart, streamAtStart); Call(); });
                        yield return new BenchmarkResult($"{name}, tiles", a * 1e6, b * 1e6, BenchmarkUnit.Microseconds, PeerName: "pairs");
                        if (!tilesAtStart || !streamAtStart) continue;
                        // The non-temporal stores alone: the tiles on both sides.
                        (a, b) = Measure.SecondsPerCall(
                            () => { Set(true, true, true); Call(); },
                            () => { Set(true, true, false); Call(); });
                        yield return new BenchmarkResult($"{name}, streamed weights", a * 1e6, b * 1e6, BenchmarkUnit.Microseconds, PeerName: "cached");
                    }
            }
        }
        finally
        {
            Set(true, tilesAtStart, streamAtStart);
            for (int i = 0; i < Inputs; i++)
            {
                qkv[i].Dispose();
                upstream[i].Dispose();
            }
        }
    }

    private static void Set(bool on, bool tilesAtStart, bool streamAtStart)
    {
        AttentionKernel.Tiles = on && tilesAtStart;
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

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's self-attention kernels alone on its shape (batch 128, 16 steps, 4 heads of 16: 512 pairs a call), forward (F)
/// and backward (B) timed apart, the library's path (as the environment left its switches) against the old one (the
/// switches <see cref="Switches"/> names off), alternating block of calls by block. Four cache states: "L1" (batch 2 on one
/// set of buffers, scaled to 512 pairs: at 8 pairs a call the per-call costs weigh in, so it is no floor), "hot" (one set of tensors, about 5 MB), "step" (as a
/// training step meets them: forward reads a qkv just written and writes its context and weights to cold buffers; backward
/// reads the qkv and weights the forward kept long before and writes its gradient to a cold buffer, the upstream gradient
/// hot) and "cold" (every tensor taken in turn from 16 sets, about 70 MB). Beside each, a reference that moves the same bytes
/// in one sweep per sample (F: reads qkv, writes the context and the weights; B: reads qkv, weights and dc, writes dqkv): the
/// memory's floor in that state. One thread is timed by the thread's CPU time, more by the clock. µs per call: the fastest
/// block and the median of the blocks; the ratio column is old / new.
/// </summary>
internal sealed unsafe class VitAttentionOpBenchmark : IBenchmark
{
    private const int Batch = 128, Steps = 16, Heads = 4, HeadFeatures = 16, Sets = 16, Rounds = 15, CallsPerBlock = 16;
    private const int Width = 3 * Heads * HeadFeatures;
    private const float Scale = 0.25f;

    public string Name => "vit-attention-op";

    /// <summary>
    /// The switches the old side turns off: <c>DEEPSHARP_BENCH_SWITCH</c>, a comma-separated list of <c>samples</c>,
    /// <c>tiles</c>, <c>stream</c> and <c>prefetch</c> (default <c>samples</c>).
    /// </summary>
    private static LibrarySwitch[] Switches()
    {
        var named = (Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_SWITCH") ?? "samples").Split(',', StringSplitOptions.TrimEntries);
        var switches = new List<LibrarySwitch>();
        if (named.Contains("samples")) switches.Add(new(() => AttentionKernel.Samples, on => AttentionKernel.Samples = on));
        if (named.Contains("tiles")) switches.Add(new(() => AttentionKernel.Tiles, on => AttentionKernel.Tiles = on));
        if (named.Contains("stream")) switches.Add(new(() => AttentionKernel.StreamWeights, on => AttentionKernel.StreamWeights = on));
        if (named.Contains("prefetch")) switches.Add(new(() => AttentionKernel.PrefetchNextSample, on => AttentionKernel.PrefetchNextSample = on));
        return [.. switches];
    }

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var results = new List<BenchmarkResult>();
        var pool = new List<nint>();
        float* Buffer(long floats, int seed)
        {
            var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            pool.Add((nint)p);
            var random = new Random(seed);
            for (long i = 0; i < floats; i++) p[i] = (float)(random.NextDouble() * 2 - 1);
            return p;
        }
        long rows = (long)Batch * Steps, weights = (long)Batch * Heads * Steps * Steps;
        var qkv = new float*[Sets];
        var w = new float*[Sets];
        var c = new float*[Sets];
        var dc = new float*[Sets];
        var dqkv = new float*[Sets];
        for (int i = 0; i < Sets; i++)
        {
            qkv[i] = Buffer(rows * Width, 1 + i);
            w[i] = Buffer(weights, 100 + i);
            c[i] = Buffer(rows * Heads * HeadFeatures, 200 + i);
            dc[i] = Buffer(rows * Heads * HeadFeatures, 300 + i);
            dqkv[i] = Buffer(rows * Width, 400 + i);
        }
        var switches = Switches();
        void Set(bool on)
        {
            foreach (var change in switches) change.Set(on);
        }
        var vit = new AttentionKernel.Shape(Batch, Heads, Steps, Steps, HeadFeatures, HeadFeatures);
        var small = vit with { Batch = 2 };
        bool keyMajor = true;
        try
        {
            // Every set's weights as the forward keeps them (the same layout and bits on both sides).
            for (int i = 0; i < Sets; i++) keyMajor = AttentionKernel.SelfAttention(qkv[i], Width, w[i], c[i], vit, Scale, default);
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                foreach (var state in new[] { "L1", "hot", "step", "cold" })
                {
                    var shape = state == "L1" ? small : vit;
                    double perCall = (double)vit.Pairs / shape.Pairs;
                    int call = 0;
                    // Which set each operand comes from: 0 stays in cache, a rotating one does not.
                    (int In, int Out) Sets4(bool forward)
                    {
                        int next = call++ % Sets;
                        return state switch
                        {
                            "L1" or "hot" => (0, 0),
                            "cold" => (next, next),
                            _ => forward ? (0, next) : (next, 0),
                        };
                    }
                    void Forward()
                    {
                        var (i, o) = Sets4(true);
                        AttentionKernel.SelfAttention(qkv[i], Width, w[o], c[o], shape, Scale, default);
                    }
                    void Backward()
                    {
                        // The step's state: qkv and the weights kept long ago, dc just written (hot), dqkv a cold buffer.
                        var (i, o) = Sets4(false);
                        int written = state == "step" ? i : o;
                        AttentionKernel.SelfAttentionBackward(qkv[i], Width, w[i], keyMajor, dc[o], dqkv[written], shape, Scale);
                    }
                    void ForwardSweep()
                    {
                        var (i, o) = Sets4(true);
                        SweepForward(qkv[i], c[o], w[o], shape.Batch);
                    }
                    void BackwardSweep()
                    {
                        var (i, o) = Sets4(false);
                        int written = state == "step" ? i : o;
                        SweepBackward(qkv[i], w[i], dc[o], dqkv[written], shape.Batch);
                    }
                    string name = $"self_attention {{0}} (128, 16, 4, 16) t{threads}, {state}{(state == "L1" ? " (batch 2, ×64)" : "")}";
                    Compare(string.Format(name, "F"), threads, perCall, Forward);
                    Compare(string.Format(name, "B"), threads, perCall, Backward);
                    if (threads == options.Threads[0] && state != "L1")
                    {
                        results.Add(Single(string.Format(name, "F") + ", reference: one sweep, same bytes", threads, perCall, ForwardSweep));
                        results.Add(Single(string.Format(name, "B") + ", reference: one sweep, same bytes", threads, perCall, BackwardSweep));
                    }
                }
            }
        }
        finally
        {
            Set(true);
            foreach (var p in pool) NativeMemory.AlignedFree((void*)p);
        }
        return results;

        void Compare(string name, int threads, double scale, Action call)
        {
            var (fresh, old) = Alternate(threads, () => { Set(true); call(); }, () => { Set(false); call(); });
            Set(true);
            results.Add(new BenchmarkResult($"{name}, fastest", fresh.Min() * scale, old.Min() * scale, BenchmarkUnit.Microseconds, PeerName: "old"));
            results.Add(new BenchmarkResult($"{name}, median", Median(fresh) * scale, Median(old) * scale, BenchmarkUnit.Microseconds, PeerName: "old"));
        }

        BenchmarkResult Single(string name, int threads, double scale, Action call)
        {
            var (times, _) = Alternate(threads, call, call);
            return new BenchmarkResult(name, times.Min() * scale, Median(times) * scale, BenchmarkUnit.Microseconds, PeerName: "median");
        }
    }

    /// <summary>Reads each sample's qkv rows and writes its context rows and weights: the forward's bytes in one sweep.</summary>
    private static void SweepForward(float* qkv, float* c, float* w, int batch)
    {
        int contextRow = Heads * HeadFeatures, pairWeights = Steps * Steps;
        for (int b = 0; b < batch; b++)
        {
            var sum = Vector512<float>.Zero;
            float* x = qkv + (long)b * Steps * Width;
            for (int f = 0; f < Steps * Width; f += 16) sum += Vector512.Load(x + f);
            float* y = c + (long)b * Steps * contextRow;
            for (int f = 0; f < Steps * contextRow; f += 16) sum.Store(y + f);
            float* z = w + (long)b * Heads * pairWeights;
            for (int f = 0; f < Heads * pairWeights; f += 16) sum.Store(z + f);
        }
    }

    /// <summary>Reads each sample's qkv rows, weights and upstream gradient and writes its packed gradient: the backward's bytes in one sweep.</summary>
    private static void SweepBackward(float* qkv, float* w, float* dc, float* dqkv, int batch)
    {
        int contextRow = Heads * HeadFeatures, pairWeights = Steps * Steps;
        for (int b = 0; b < batch; b++)
        {
            var sum = Vector512<float>.Zero;
            float* z = w + (long)b * Heads * pairWeights;
            for (int f = 0; f < Heads * pairWeights; f += 16) sum += Vector512.Load(z + f);
            float* g = dc + (long)b * Steps * contextRow;
            for (int f = 0; f < Steps * contextRow; f += 16) sum += Vector512.Load(g + f);
            float* x = qkv + (long)b * Steps * Width;
            float* dx = dqkv + (long)b * Steps * Width;
            for (int f = 0; f < Steps * Width; f += 16) (Vector512.Load(x + f) + sum).Store(dx + f);
        }
    }

    /// <summary>µs per call of each block of <paramref name="a"/> and of <paramref name="b"/>, the blocks alternating.</summary>
    private static (List<double> A, List<double> B) Alternate(int threads, Action a, Action b)
    {
        for (int i = 0; i < 2 * CallsPerBlock; i++)
        {
            a();
            b();
        }
        var timesA = new List<double>();
        var timesB = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            timesA.Add(Block(threads, a));
            timesB.Add(Block(threads, b));
        }
        return (timesA, timesB);
    }

    private static double Block(int threads, Action action)
    {
        bool cpu = threads == 1;
        long start = cpu ? ThreadCpuClock.Now() : Stopwatch.GetTimestamp();
        for (int i = 0; i < CallsPerBlock; i++) action();
        long end = cpu ? ThreadCpuClock.Now() : Stopwatch.GetTimestamp();
        return (end - start) * 1e6 / Stopwatch.Frequency / CallsPerBlock;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}

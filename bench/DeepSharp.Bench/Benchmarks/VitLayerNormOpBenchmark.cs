using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's layer normalization kernels alone on its shape (2,048 rows of 64: batch 128 × 16 tokens), the way a training
/// step meets them: backward (dγ, dβ and dx added into the pending residual gradient) and the residual add + norm forward.
/// Each kernel runs in three cache states: "hot" (one set of tensors, 1.5–2 MB: the caches), "x cold" (backward: the input,
/// saved by the forward long before, taken in turn from 96 copies, 48 MB; dy and dx one set: as in a step) or "a cold"
/// (forward: the residual operand so), and "cold" (every tensor taken in turn from 32 sets). Beside each, a reference that
/// moves the same bytes in one sweep (dx += x·dy; sum = a + b and y = sum·b): the memory's floor for that state.
/// The library's path (as the environment left its switches) and the old path (the switches <see cref="Switches"/> names
/// off) alternate call block by call block; one thread is timed by the thread's CPU time, more by the clock. µs per call:
/// the fastest block and the median of the blocks; the ratio column is old / new of the medians.
/// </summary>
internal sealed unsafe class VitLayerNormOpBenchmark : IBenchmark
{
    private const int Rows = 128 * 16, N = 64, Rounds = 15, CallsPerRound = 64;
    private const int ColdInputs = 96, ColdSets = 32;

    public string Name => "vit-ln-op";

    /// <summary>The switches the old side turns off: <c>DEEPSHARP_BENCH_SWITCH</c>, a comma-separated list of <c>tiles</c>, <c>prefetch</c> and <c>rows</c> (default <c>tiles</c>).</summary>
    private static LibrarySwitch[] Switches()
    {
        var named = (Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_SWITCH") ?? "tiles").Split(',', StringSplitOptions.TrimEntries);
        var switches = new List<LibrarySwitch>();
        if (named.Contains("tiles")) switches.Add(new(() => LayerNormKernel.Tiles, on => LayerNormKernel.Tiles = on));
        if (named.Contains("prefetch")) switches.Add(new(() => LayerNormKernel.PrefetchNextBlock, on => LayerNormKernel.PrefetchNextBlock = on));
        if (named.Contains("rows")) switches.Add(new(() => LayerNormKernel.PrefetchRows, on => LayerNormKernel.PrefetchRows = on));
        return [.. switches];
    }

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var results = new List<BenchmarkResult>();
        long floats = (long)Rows * N;
        var pool = new List<nint>();
        float* Buffer(int seed)
        {
            var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            pool.Add((nint)p);
            var random = new Random(seed);
            for (long i = 0; i < floats; i++) p[i] = (float)(random.NextDouble() * 2 - 1);
            return p;
        }
        float*[] Buffers(int count, int seed)
        {
            var all = new float*[count];
            for (int i = 0; i < count; i++) all[i] = Buffer(seed + i);
            return all;
        }
        var inputs = Buffers(ColdInputs, 1);
        var upstreams = Buffers(ColdSets, 1000);
        var pendings = Buffers(ColdSets, 2000);
        var branches = Buffers(ColdSets, 3000);
        var sums = Buffers(ColdSets, 4000);
        var outputs = Buffers(ColdSets, 5000);
        var gamma = (float*)NativeMemory.AlignedAlloc(2 * N * sizeof(float), 64);
        var dGamma = (float*)NativeMemory.AlignedAlloc(2 * N * sizeof(float), 64);
        var stats = (float*)NativeMemory.AlignedAlloc((nuint)(2 * (ColdInputs + 1) * Rows * sizeof(float)), 64);
        float* forwardStats = stats + 2L * ColdInputs * Rows; // the forward's own: the backward's stay as computed
        var partials = (float*)NativeMemory.AlignedAlloc((nuint)(LayerNormKernel.GradientPartials(Rows, N) * sizeof(float)), 64);
        for (int j = 0; j < 2 * N; j++) gamma[j] = 0.5f + j % 7 * 0.1f;
        var switches = Switches();
        void Set(bool on)
        {
            foreach (var change in switches) change.Set(on);
        }
        try
        {
            // Statistics for every input, as the forward leaves them.
            for (int i = 0; i < ColdInputs; i++)
                LayerNormKernel.Forward(inputs[i], gamma, gamma + N, outputs[i % ColdSets], stats + 2L * i * Rows, stats + (2L * i + 1) * Rows, Rows, N, 1e-6f);
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                foreach (var state in new[] { "hot", "x cold", "cold" })
                {
                    int call = 0;
                    void Backward()
                    {
                        int i = state == "hot" ? 0 : call % ColdInputs, s = state == "cold" ? call % ColdSets : 0;
                        call++;
                        float* mean = stats + 2L * i * Rows;
                        LayerNormKernel.Backward(inputs[i], gamma, upstreams[s], mean, mean + Rows, pendings[s], true, partials, dGamma, dGamma + N, Rows, N);
                    }
                    void Reference()
                    {
                        int i = state == "hot" ? 0 : call % ColdInputs, s = state == "cold" ? call % ColdSets : 0;
                        call++;
                        var dx = new Span<float>(pendings[s], (int)floats);
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(inputs[i], dx.Length), new ReadOnlySpan<float>(upstreams[s], dx.Length), dx, dx);
                    }
                    string shape = $"({Rows / 16}, 16, {N}) t{threads}, {state}";
                    Compare($"layer_normalization B {shape}", threads, Backward);
                    if (threads == options.Threads[0])
                    {
                        results.Add(Single($"layer_normalization B {shape}, reference: dx += x·dy", threads, Reference));
                        results.Add(Single($"layer_normalization B {shape}, no dγ dβ", threads, () =>
                        {
                            int i = state == "hot" ? 0 : call % ColdInputs, s = state == "cold" ? call % ColdSets : 0;
                            call++;
                            float* mean = stats + 2L * i * Rows;
                            LayerNormKernel.Backward(inputs[i], gamma, upstreams[s], mean, mean + Rows, pendings[s], true, null, null, null, Rows, N);
                        }));
                        results.Add(Single($"layer_normalization B {shape}, no dx", threads, () =>
                        {
                            int i = state == "hot" ? 0 : call % ColdInputs, s = state == "cold" ? call % ColdSets : 0;
                            call++;
                            float* mean = stats + 2L * i * Rows;
                            LayerNormKernel.Backward(inputs[i], gamma, upstreams[s], mean, mean + Rows, null, false, partials, dGamma, dGamma + N, Rows, N);
                        }));
                    }
                }
                foreach (var state in new[] { "hot", "a cold", "cold" })
                {
                    int call = 0;
                    void Forward()
                    {
                        int i = state == "hot" ? 0 : call % ColdInputs, s = state == "cold" ? call % ColdSets : 0;
                        call++;
                        LayerNormKernel.AddForward(inputs[i], branches[s], sums[s], gamma, gamma + N, outputs[s], forwardStats, forwardStats + Rows, Rows, N, 1e-6f);
                    }
                    void Reference()
                    {
                        int i = state == "hot" ? 0 : call % ColdInputs, s = state == "cold" ? call % ColdSets : 0;
                        call++;
                        int length = (int)floats;
                        TensorPrimitives.Add(new ReadOnlySpan<float>(inputs[i], length), new ReadOnlySpan<float>(branches[s], length), new Span<float>(sums[s], length));
                        TensorPrimitives.Multiply(new ReadOnlySpan<float>(sums[s], length), new ReadOnlySpan<float>(branches[s], length), new Span<float>(outputs[s], length));
                    }
                    string shape = $"({Rows / 16}, 16, {N}) t{threads}, {state}";
                    Compare($"add_layer_normalization F {shape}", threads, Forward);
                    if (threads == options.Threads[0])
                        results.Add(Single($"add_layer_normalization F {shape}, reference: sum = a + b, y = sum·b", threads, Reference));
                }
            }
        }
        finally
        {
            Set(true);
            foreach (var p in pool) NativeMemory.AlignedFree((void*)p);
            NativeMemory.AlignedFree(gamma);
            NativeMemory.AlignedFree(dGamma);
            NativeMemory.AlignedFree(stats);
            NativeMemory.AlignedFree(partials);
        }
        return results;

        void Compare(string name, int threads, Action call)
        {
            var (fresh, old) = Alternate(threads, () => { Set(true); call(); }, () => { Set(false); call(); });
            Set(true);
            results.Add(new BenchmarkResult($"{name}, fastest", fresh.Min(), old.Min(), BenchmarkUnit.Microseconds, PeerName: "old"));
            results.Add(new BenchmarkResult($"{name}, median", Median(fresh), Median(old), BenchmarkUnit.Microseconds, PeerName: "old"));
        }

        BenchmarkResult Single(string name, int threads, Action call)
        {
            var (times, _) = Alternate(threads, call, call);
            return new BenchmarkResult(name, times.Min(), Median(times), BenchmarkUnit.Microseconds, PeerName: "median");
        }
    }

    /// <summary>µs per call of each block of <paramref name="a"/> and of <paramref name="b"/>, the blocks alternating.</summary>
    private static (List<double> A, List<double> B) Alternate(int threads, Action a, Action b)
    {
        for (int i = 0; i < 2 * CallsPerRound; i++)
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
        for (int i = 0; i < CallsPerRound; i++) action();
        long end = cpu ? ThreadCpuClock.Now() : Stopwatch.GetTimestamp();
        return (end - start) * 1e6 / Stopwatch.Frequency / CallsPerRound;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// How the vit's Dense ops scale from one thread to two (issue 19), timed call by call so that a loaded machine still gives
/// a reading: each row is the fastest single call of many (a call that no other process interrupted; with two threads, one
/// during which both ran), and the 10th percentile beside it. Each layer's forward (product, bias and activation) and its
/// grouped backward run on the vit's shapes (2048 rows), "hot" (the same operands call after call: they stay in the
/// caches) and "fresh" (call after call through 24 sets of operands, about 100 MB: every call reads what it reads and writes
/// what it writes out of cache, as in a step). If two threads scale well hot and not fresh, what the second core lacks is
/// memory traffic, not scheduling. No peer.
/// </summary>
internal sealed unsafe class VitDenseScalingBenchmark : IBenchmark
{
    internal const int Rows = 128 * 16, FreshSets = 24, Calls = 400, WarmUpCalls = 40;

    public string Name => "vit-dense-scaling";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        (string Name, int K, int N, DenseActivation Activation)[] layers =
        [("qkv", 64, 192, DenseActivation.Linear), ("output", 64, 64, DenseActivation.Linear),
         ("mlp1 gelu", 64, 128, DenseActivation.GeluKeepingDerivative), ("mlp2", 128, 64, DenseActivation.Linear)];
        var only = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_LAYERS")?.Split(";", StringSplitOptions.TrimEntries);
        foreach (var (name, k, n, activation) in layers)
        {
            if (only is not null && !only.Contains(name)) continue;
            var sets = new Operands[FreshSets];
            for (int s = 0; s < sets.Length; s++) sets[s] = new Operands(Rows, k, n, activation, seed: s);
            try
            {
                foreach (bool fresh in new[] { false, true })
                    foreach (bool forward in new[] { true, false })
                    {
                        string piece = $"{name} {(forward ? "forward" : "backward")} {Rows}x{n}x{k} {(fresh ? "fresh" : "hot")}";
                        double flops = (forward ? 2.0 : 4.0) * Rows * k * n;
                        var byThreads = new List<(int Threads, double Fastest)>();
                        foreach (int threads in options.Threads)
                        {
                            Parallelism.Threads = threads;
                            var (fastest, p10) = Time(sets, fresh ? sets.Length : 1, forward);
                            byThreads.Add((threads, fastest));
                            yield return new BenchmarkResult(
                                $"{piece} t{threads}, {Rate(flops, fastest)} GFLOP/s (p10 {(p10 * 1e6).ToString("F0", CultureInfo.InvariantCulture)} µs)",
                                fastest * 1e6, double.NaN, BenchmarkUnit.Microseconds);
                        }
                        if (byThreads.Count == 2)
                            yield return new BenchmarkResult($"{piece} t{byThreads[0].Threads} / t{byThreads[1].Threads}",
                                byThreads[0].Fastest / byThreads[1].Fastest, double.NaN, BenchmarkUnit.Times);
                    }
            }
            finally
            {
                foreach (var s in sets) s.Dispose();
            }
        }
    }

    private static string Rate(double flops, double seconds) => (flops / seconds / 1e9).ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>The fastest call and the 10th percentile, in seconds, cycling through the first <paramref name="used"/> sets.</summary>
    private static (double Fastest, double P10) Time(Operands[] sets, int used, bool forward)
    {
        var times = new double[Calls];
        for (int i = -WarmUpCalls; i < Calls; i++)
        {
            var o = sets[(i + WarmUpCalls) % used];
            long start = Stopwatch.GetTimestamp();
            if (forward) o.Forward();
            else o.Backward();
            if (i >= 0) times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return (times[0], times[Calls / 10]);
    }

    /// <summary>One layer's operands, 64-byte aligned native memory filled with small values.</summary>
    internal sealed class Operands : IDisposable
    {
        private readonly float* _x, _w, _bias, _z, _y, _dy, _dz, _dw, _dx, _db, _partials, _scratch;
        private readonly DenseBiasActivation.Tail* _tail;
        private readonly int _k, _n;
        private readonly DenseActivation _activation;
        private readonly List<nint> _all = [];

        public Operands(int rows, int k, int n, DenseActivation activation, int seed)
        {
            _k = k;
            _n = n;
            _activation = activation;
            var random = new Random(seed);
            _x = Alloc((long)rows * k, random);
            _w = Alloc((long)k * n, random);
            _bias = Alloc(n, random);
            _z = Alloc((long)rows * n, random);
            _y = activation == DenseActivation.Linear ? _z : Alloc((long)rows * n, random);
            _dy = Alloc((long)rows * n, random);
            _dz = activation == DenseActivation.Linear ? _dy : Alloc((long)rows * n, random);
            _dw = Alloc((long)k * n, random);
            _dx = Alloc((long)rows * k, random);
            _db = Alloc(n, random);
            _partials = Alloc(DenseBiasActivation.Partials(rows, n), random);
            _scratch = Alloc(Math.Max(1, DenseRowGroups.Scratch(rows, k, n)), random);
            _tail = (DenseBiasActivation.Tail*)Alloc((sizeof(DenseBiasActivation.Tail) + 3) / 4, random);
            *_tail = new DenseBiasActivation.Tail { Z = _z, Y = _y, Bias = _bias, Ldc = n, Activation = activation };
        }

        public void Forward() =>
            Gemm.Multiply(false, false, Rows, _n, _k, _x, _k, _w, _n, _z, _n, epilogue: DenseBiasActivation.Epilogue(_tail));

        public void Backward() => DenseRowGroups.Backward(new DenseRowGroups.Operands
        {
            X = _x, Kernel = _w, Z = _activation == DenseActivation.Linear ? null : _z, Dy = _dy, Dz = _dz, Dx = _dx, Dw = _dw, Db = _db,
            BiasPartials = _partials, KernelScratch = _scratch, Rows = Rows, K = _k, N = _n, Activation = _activation,
        });

        private float* Alloc(long floats, Random random)
        {
            var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            for (long i = 0; i < floats; i++) p[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
            _all.Add((nint)p);
            return p;
        }

        public void Dispose()
        {
            foreach (var p in _all) NativeMemory.AlignedFree((void*)p);
            _all.Clear();
        }
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// A/B in one process of the exact GELU's two forms (<see cref="GeluFunction.NormalCdfForm"/>: Φ by
/// <see cref="LaneMath.NormalCdf{T}"/> against ½·(1 + erf(x/√2)); off at start with <c>DEEPSHARP_GELU=erf</c>) at the vit's
/// MLP Dense (2048 rows = batch 128 × 16 patches, 64 → 128), alternating in blocks, each kernel call alone and hot: the forward
/// product with its bias and GELU epilogue keeping the derivative, the gradient pass that reads the kept derivative, that
/// forward and pass together, and the pass that takes the derivative from z instead (<c>DEEPSHARP_GELU_DERIVATIVE=backward</c>)
/// with its forward. Times in µs per call of the new form; the "peer" column is the old one. With
/// <c>DEEPSHARP_BENCH_CPU_TIME=1</c> and one thread, the rows survive a loaded machine.
/// </summary>
internal sealed unsafe class GeluSwitchBenchmark : IBenchmark
{
    private const int Rows = 128 * 16, K = 64, N = 128;

    public string Name => "gelu-switch";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        bool atStart = GeluFunction.NormalCdfForm;
        try
        {
            foreach (int threads in options.Threads)
                foreach (var row in Pieces(threads, atStart)) yield return row;
        }
        finally
        {
            GeluFunction.NormalCdfForm = atStart;
        }
    }

    private static List<BenchmarkResult> Pieces(int threads, bool atStart)
    {
        Parallelism.Threads = threads;
        var random = new Random(7);
        float* x = Alloc((long)Rows * K, random), w = Alloc((long)K * N, random), bias = Alloc(N, random);
        float* z = Alloc((long)Rows * N, random), y = Alloc((long)Rows * N, random), dy = Alloc((long)Rows * N, random), dz = Alloc((long)Rows * N, random);
        float* partials = Alloc(DenseBiasActivation.Partials(Rows, N), random), db = Alloc(N, random);
        var tails = (DenseBiasActivation.Tail*)NativeMemory.Alloc(2, (nuint)sizeof(DenseBiasActivation.Tail));
        try
        {
            tails[0] = new DenseBiasActivation.Tail { Z = z, Y = y, Bias = bias, Ldc = N, Activation = DenseActivation.GeluKeepingDerivative };
            tails[1] = new DenseBiasActivation.Tail { Z = z, Y = y, Bias = bias, Ldc = N, Activation = DenseActivation.Gelu };
            var kept = tails;
            var fromZ = tails + 1;
            void Forward(DenseBiasActivation.Tail* tail) =>
                Gemm.Multiply(false, false, Rows, N, K, x, K, w, N, z, N, epilogue: DenseBiasActivation.Epilogue(tail));
            void Backward(DenseActivation activation) => DenseBiasActivation.Backward(z, dy, dz, partials, db, Rows, N, activation);
            string shape = $"dense+gelu {Rows}x{N}x{K}";
            return
            [
                Row($"{shape} forward+epilogue, derivative kept", threads, atStart, () => Forward(kept)),
                Row($"{shape} gradient pass, derivative kept", threads, atStart, () => Backward(DenseActivation.GeluKeepingDerivative)),
                Row($"{shape} forward+gradient pass, derivative kept", threads, atStart, () => { Forward(kept); Backward(DenseActivation.GeluKeepingDerivative); }),
                Row($"{shape} forward+gradient pass, derivative from z", threads, atStart, () => { Forward(fromZ); Backward(DenseActivation.Gelu); }),
            ];
        }
        finally
        {
            foreach (var p in new[] { x, w, bias, z, y, dy, dz, partials, db }) NativeMemory.AlignedFree(p);
            NativeMemory.Free(tails);
        }
    }

    private static BenchmarkResult Row(string what, int threads, bool atStart, Action action)
    {
        var (on, off) = Measure.SecondsPerCall(
            () => { GeluFunction.NormalCdfForm = atStart; action(); },
            () => { GeluFunction.NormalCdfForm = false; action(); });
        string ratio = (off / on).ToString("F3", CultureInfo.InvariantCulture);
        return new BenchmarkResult($"{what}, old/new {ratio} t{threads}", on * 1e6, off * 1e6, BenchmarkUnit.Microseconds, PeerName: "erf form");
    }

    private static float* Alloc(long floats, Random random)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        for (long i = 0; i < floats; i++) p[i] = (float)(random.NextDouble() - 0.5);
        return p;
    }
}

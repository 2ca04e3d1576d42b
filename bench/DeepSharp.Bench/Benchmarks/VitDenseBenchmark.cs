using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's Dense layers (<see cref="VitBenchmark"/>'s model: 2048 rows = batch 128 × 16 patches) taken apart, each
/// piece alone and hot: the forward product with its bias and activation epilogue, the product without it, the
/// activation's and bias's gradient pass, the kernel gradient xᵀ·dz and the input gradient dz·Wᵀ, at the shapes of the
/// packed query/key/value projection (64→192), the attention output (64→64), the MLP's gelu layer (64→128) and its
/// second layer (128→64). Times in µs per call (fastest run, see <see cref="Measure"/>), with GFLOP/s of the products;
/// what a piece loses from one thread to two is what the step loses there. No peer.
/// </summary>
internal sealed unsafe class VitDenseBenchmark : IBenchmark
{
    private const int Rows = 128 * 16;

    public string Name => "vit-dense";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (int threads in options.Threads)
            foreach (var row in Pieces(threads)) yield return row;
    }

    private static List<BenchmarkResult> Pieces(int threads)
    {
        var rows = new List<BenchmarkResult>();
        (string Name, int K, int N, DenseActivation Activation)[] layers =
        [("qkv", 64, 192, DenseActivation.Linear), ("output", 64, 64, DenseActivation.Linear),
         ("mlp1 gelu", 64, 128, DenseActivation.Gelu), ("mlp1 gelu, derivative kept", 64, 128, DenseActivation.GeluKeepingDerivative),
         ("mlp2", 128, 64, DenseActivation.Linear)];
        Parallelism.Threads = threads;
        // DEEPSHARP_BENCH_LAYERS (names above separated by semicolons, e.g. "qkv;mlp2") keeps only those layers.
        var only = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_LAYERS")?.Split(";", StringSplitOptions.TrimEntries);
        foreach (var (name, k, n, activation) in layers)
        {
            if (only is not null && !only.Contains(name)) continue;
            {
                using var buffers = new Buffers(Rows, k, n);
                var b = buffers;
                *b.Tail = new DenseBiasActivation.Tail { Z = b.Z, Y = activation == DenseActivation.Linear ? b.Z : b.Y, Bias = b.Bias, Ldc = n, Activation = activation };
                double product = 2.0 * Rows * k * n;
                rows.Add(Row($"{name} forward+epilogue {Rows}x{n}x{k}", threads, product,
                    () => Gemm.Multiply(false, false, Rows, n, k, b.X, k, b.W, n, b.Z, n, epilogue: DenseBiasActivation.Epilogue(b.Tail))));
                rows.Add(Row($"{name} forward product {Rows}x{n}x{k}", threads, product,
                    () => Gemm.Multiply(false, false, Rows, n, k, b.X, k, b.W, n, b.Z, n)));
                rows.Add(Row($"{name} activation+bias gradient {Rows}x{n}", threads, double.NaN,
                    () => DenseBiasActivation.Backward(b.Z, b.Dy, b.Dz, b.Partials, b.Db, Rows, n, activation)));
                rows.Add(Row($"{name} kernel gradient {k}x{n}x{Rows} AtB", threads, product,
                    () => Gemm.Multiply(true, false, k, n, Rows, b.X, k, b.Dz, n, b.Dw, n)));
                rows.Add(Row($"{name} input gradient {Rows}x{k}x{n} ABt", threads, product,
                    () => Gemm.Multiply(false, true, Rows, k, n, b.Dz, n, b.W, n, b.Dx, k)));
                var operands = new DenseRowGroups.Operands
                {
                    X = b.X, Kernel = b.W, Z = activation == DenseActivation.Linear ? null : b.Z, Dy = b.Dy,
                    Dz = activation == DenseActivation.Linear ? b.Dy : b.Dz, Dx = b.Dx, Dw = b.Dw, Db = b.Db,
                    BiasPartials = b.Partials, KernelScratch = b.KernelScratch, Rows = Rows, K = k, N = n, Activation = activation,
                };
                rows.Add(Row($"{name} backward in row groups {Rows}x{k}x{n}", threads, 2 * product, () => DenseRowGroups.Backward(operands)));
                // One group's products alone (the shapes each thread runs in the grouped backward), and a product small
                // enough to stay in L1/L2: what the micro-kernel does in cache at these k and n.
                int groupRows = Rows / DenseRowGroups.Groups(Rows);
                double groupProduct = 2.0 * groupRows * k * n;
                rows.Add(Row($"{name} group input gradient {groupRows}x{k}x{n} ABt", threads, groupProduct,
                    () => Gemm.Multiply(false, true, groupRows, k, n, b.Dz, n, b.W, n, b.Dx, k)));
                rows.Add(Row($"{name} group kernel gradient {k}x{n}x{groupRows} AtB", threads, groupProduct,
                    () => Gemm.Multiply(true, false, k, n, groupRows, b.X, k, b.Dz, n, b.Dw, n)));
                rows.Add(Row($"{name} in-cache forward product 96x{n}x{k}", threads, 2.0 * 96 * k * n,
                    () => Gemm.Multiply(false, false, 96, n, k, b.X, k, b.W, n, b.Z, n)));
            }
        }
        return rows;
    }

    private static BenchmarkResult Row(string what, int threads, double flops, Action action)
    {
        double seconds = Measure.SecondsPerCall(action);
        string rate = double.IsNaN(flops) ? "" : $", {(flops / seconds / 1e9).ToString("F0", CultureInfo.InvariantCulture)} GFLOP/s";
        return new BenchmarkResult($"{what}{rate} t{threads}", seconds * 1e6, double.NaN, BenchmarkUnit.Microseconds);
    }

    /// <summary>One layer's operands, 64-byte aligned native memory filled with small values.</summary>
    private sealed class Buffers : IDisposable
    {
        public readonly float* X, W, Bias, Z, Y, Dy, Dz, Dw, Dx, Db, Partials, KernelScratch;
        public readonly DenseBiasActivation.Tail* Tail;
        private readonly List<nint> _all = [];

        public Buffers(int rows, int k, int n)
        {
            var random = new Random(7);
            X = Alloc((long)rows * k, random);
            W = Alloc((long)k * n, random);
            Bias = Alloc(n, random);
            Z = Alloc((long)rows * n, random);
            Y = Alloc((long)rows * n, random);
            Dy = Alloc((long)rows * n, random);
            Dz = Alloc((long)rows * n, random);
            Dw = Alloc((long)k * n, random);
            Dx = Alloc((long)rows * k, random);
            Db = Alloc(n, random);
            Partials = Alloc(DenseBiasActivation.Partials(rows, n), random);
            KernelScratch = Alloc(Math.Max(1, DenseRowGroups.Scratch(rows, k, n)), random);
            Tail = (DenseBiasActivation.Tail*)Alloc((sizeof(DenseBiasActivation.Tail) + 3) / 4, random);
        }

        private float* Alloc(long floats, Random random)
        {
            var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            for (long i = 0; i < floats; i++) p[i] = (float)(random.NextDouble() - 0.5);
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

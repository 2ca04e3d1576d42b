using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Up to <see cref="Capacity"/> independent products run as one parallel job: each is cut into bands of C's rows, and
/// every band runs whole on one thread. A recurrent backward's weight gradients (x·dZ and h·dZ, k = steps·batch) have
/// few rows each; cut across both cores, each such product packs its A twice and its threads finish unevenly, and two
/// products side by side on their own cores run at the speed of one core each.
/// <para>
/// A band computes its rows of C exactly as the whole product does (every element sums the same k blocks in the same
/// order, see <see cref="GemmDriver{TKernel}"/>), so the results are the bits of <see cref="Gemm.Multiply(bool, bool, int, int, int, float*, int, float*, int, float*, int, bool, float*, GemmEpilogue, float*, long)"/>
/// called on each product, at any thread count.
/// </para>
/// </summary>
internal unsafe struct GemmGroup : IParallelBody
{
    internal const int Capacity = 4;
    private const int MaxBands = 16;
    private const int BandRows = 4;                  // bands start on multiples of the smallest tile read in place
    private const long ParallelMinFlops = 2_000_000; // as the driver: below this one thread does the whole group

    private Products _products;
    private Bands _bands;
    private int _count, _bandCount;

    /// <summary>Adds C = op(A)·op(B) (+ C when accumulating), arguments as <see cref="Gemm.Multiply(bool, bool, int, int, int, float*, int, float*, int, float*, int, bool, float*, GemmEpilogue, float*, long)"/>.</summary>
    internal void Add(bool transposeA, bool transposeB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate = false)
    {
        if (_count == Capacity) throw new InvalidOperationException($"GemmGroup holds at most {Capacity} products.");
        _products[_count++] = new GemmProblem
        {
            TransposeA = transposeA, TransposeB = transposeB, Accumulate = accumulate,
            M = m, N = n, K = k, A = a, B = b, C = c, Lda = lda, Ldb = ldb, Ldc = ldc,
        };
    }

    /// <summary>
    /// Runs every product: in bands on the workers, or one after the other (each whole: on one thread, or shared out
    /// by the GEMM itself when <paramref name="together"/> is false, for A/B comparisons).
    /// </summary>
    internal void Run(bool together = true)
    {
        long total = 0;
        for (int i = 0; i < _count; i++) total += Flops(_products[i]);
        int threads = Parallelism.Threads;
        if (!together || threads <= 1 || WorkerPool.InsideJob || total < ParallelMinFlops)
        {
            for (int i = 0; i < _count; i++) RunRows(_products[i], 0, _products[i].M);
            return;
        }
        CutBands(total, threads);
        WorkerPool.For(_bandCount, ref this);
    }

    public readonly void Execute(int item)
    {
        var band = _bands[item];
        RunRows(_products[band.Product], band.Row0, band.Row1);
    }

    /// <summary>
    /// Cuts each product into bands of about total / (q·threads) of the arithmetic (at whole groups of
    /// <see cref="BandRows"/> rows), for the q of one to three bands a thread whose largest-first schedule ends
    /// soonest; each band costs a little beyond its arithmetic (it reads all of B again), so ties go to fewer bands.
    /// Two equal products on two threads stay whole; a large and a small one (the first layer's 28-feature kernel
    /// gradient beside its 64-unit recurrent one) are cut so that both threads end together.
    /// </summary>
    private void CutBands(long total, int threads)
    {
        double best = double.MaxValue;
        int bestQ = 1;
        for (int q = 1; q <= 3; q++)
        {
            Cut(total, threads * q);
            double end = Makespan(threads);
            if (end < best * 0.99) { best = end; bestQ = q; }
        }
        Cut(total, threads * bestQ);
    }

    /// <summary>Bands of about total / <paramref name="bands"/> FLOPs each, largest first.</summary>
    private void Cut(long total, int bands)
    {
        double target = (double)total / Math.Min(bands, MaxBands);
        _bandCount = 0;
        for (int i = 0; i < _count; i++)
        {
            var p = _products[i];
            int groups = (p.M + BandRows - 1) / BandRows;
            int parts = (int)Math.Clamp(Math.Round(Flops(p) / target), 1, groups);
            parts = Math.Min(parts, MaxBands - _bandCount - (_count - 1 - i)); // leave a band for each product still to come
            for (int part = 0; part < parts; part++)
            {
                int row0 = (int)((long)groups * part / parts) * BandRows;
                int row1 = Math.Min(p.M, (int)((long)groups * (part + 1) / parts) * BandRows);
                _bands[_bandCount++] = new Band { Product = i, Row0 = row0, Row1 = row1 };
            }
        }
        // Largest first (insertion sort of at most 16 bands).
        for (int i = 1; i < _bandCount; i++)
        {
            var band = _bands[i];
            long size = BandFlops(band);
            int j = i - 1;
            for (; j >= 0 && BandFlops(_bands[j]) < size; j--) _bands[j + 1] = _bands[j];
            _bands[j + 1] = band;
        }
    }

    /// <summary>When the last thread ends if each band goes to the thread that comes free first (FLOPs, 3% a band on top).</summary>
    private readonly double Makespan(int threads)
    {
        Span<double> busy = stackalloc double[Math.Min(threads, MaxBands)];
        for (int i = 0; i < _bandCount; i++)
        {
            int free = 0;
            for (int t = 1; t < busy.Length; t++) if (busy[t] < busy[free]) free = t;
            busy[free] += BandFlops(_bands[i]) * 1.03;
        }
        double end = 0;
        foreach (double b in busy) end = Math.Max(end, b);
        return end;
    }

    private readonly long BandFlops(in Band band)
    {
        var p = _products[band.Product];
        return 2L * (band.Row1 - band.Row0) * p.N * p.K;
    }

    private static long Flops(in GemmProblem p) => 2L * p.M * p.N * p.K;

    /// <summary>Rows [row0, row1) of C: A's rows (or columns, transposed) from row0 on.</summary>
    private static void RunRows(in GemmProblem p, int row0, int row1)
    {
        float* a = p.TransposeA ? p.A + row0 : p.A + row0 * p.Lda;
        Gemm.Multiply(p.TransposeA, p.TransposeB, row1 - row0, p.N, p.K, a, (int)p.Lda, p.B, (int)p.Ldb, p.C + row0 * p.Ldc, (int)p.Ldc, p.Accumulate);
    }

    private struct Band
    {
        public int Product, Row0, Row1;
    }

    [InlineArray(Capacity)]
    private struct Products
    {
        private GemmProblem _element0;
    }

    [InlineArray(MaxBands)]
    private struct Bands
    {
        private Band _element0;
    }
}

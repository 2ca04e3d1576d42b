using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// AVX-512 products with one column of C: a Dense layer of one unit (a discriminator's logit) forward, and its kernel
/// gradient. The tiled driver would pad that column to a panel of 32, doing 32 times the arithmetic and packing A for
/// it. Here each element of C is one dot product: a row-major A takes eight rows at a time (eight independent chains),
/// a transposed A (k rows of m) sixteen elements of C per vector, A read once where it lies.
/// <para>
/// Every element of C is summed exactly as the tiled kernels sum it: one fused multiply-add per k in order, starting
/// from zero at each of the driver's k blocks, each block's sum then added to C. So the results are the same bits as
/// the tiled path's.
/// </para>
/// <para>
/// Such a product does little arithmetic for the memory it reads (each value of A once), so it is shared between threads
/// from a much smaller size than the tiled driver's: C's elements are cut into bands (rows of A, or columns of a transposed
/// A), each band computed whole on one thread. Each element is still one dot product summed in the same order, so the
/// bits do not depend on the cut or on the number of threads.
/// </para>
/// </summary>
internal static unsafe class GemmThinColumn
{
    private const long ParallelMinFloats = 1 << 16; // of A: below this (256 KB), waking a second thread costs more than it saves
    private const long BandMinFloats = 1 << 15;     // at least this much of A in a band
    private const int MaxBands = 8;

    /// <summary>
    /// Whether a large product is cut into bands shared between threads (see the class); false runs it on the calling thread,
    /// for A/B comparisons (the same bits either way). Starts false when the environment variable
    /// <c>DEEPSHARP_THIN_COLUMN</c> is <c>serial</c>.
    /// </summary>
    internal static bool Parallel { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_THIN_COLUMN"), "serial", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the product is one for this path: one column of C, and B given as it lies (not packed beforehand).</summary>
    internal static bool Takes(in GemmProblem p) => p.N == 1 && p.PackedB == null;

    /// <summary>C = op(A)·op(B) (+ C), k cut into blocks of <paramref name="kcStep"/> as the tiled driver cuts it.</summary>
    internal static void Run(in GemmProblem p, int kcStep)
    {
        int bands = Bands(p);
        if (bands == 1)
        {
            RunRows(p, kcStep, 0, p.M);
            return;
        }
        var body = new Body { P = p, KcStep = kcStep, Bands = bands, Group = p.TransposeA ? 64 : 8 };
        WorkerPool.For(bands, ref body);
    }

    /// <summary>How many bands to cut C into: one below <see cref="ParallelMinFloats"/>, on one thread, or inside another job.</summary>
    private static int Bands(in GemmProblem p)
    {
        long floats = (long)p.M * p.K;
        if (!Parallel || floats < ParallelMinFloats || Parallelism.Threads <= 1 || WorkerPool.InsideJob) return 1;
        int groups = (p.M + (p.TransposeA ? 63 : 7)) / (p.TransposeA ? 64 : 8);
        return (int)Math.Clamp(floats / BandMinFloats, 1, Math.Min(MaxBands, groups));
    }

    /// <summary>Elements [row0, row1) of C, every k block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRows(in GemmProblem p, int kcStep, int row0, int row1)
    {
        nint bStep = p.TransposeB ? 1 : p.Ldb; // B is k×1, its values ldb apart, or transposed one row of k
        float* c = p.C + row0 * p.Ldc;
        for (int pc = 0; pc < p.K; pc += kcStep)
        {
            int kc = Math.Min(kcStep, p.K - pc);
            bool add = p.Accumulate || pc > 0;
            float* b = p.B + pc * bStep;
            if (p.TransposeA) Transposed(kc, p.A + pc * p.Lda + row0, p.Lda, row1 - row0, b, bStep, c, p.Ldc, add);
            else RowMajor(kc, p.A + row0 * p.Lda + pc, p.Lda, row1 - row0, b, bStep, c, p.Ldc, add);
        }
    }

    /// <summary>One band: whole groups of eight rows (row-major A) or 64 elements (transposed A), so each runs as a whole product would.</summary>
    private struct Body : IParallelBody
    {
        public GemmProblem P;
        public int KcStep, Bands, Group;

        public readonly void Execute(int item)
        {
            int groups = (P.M + Group - 1) / Group;
            int row0 = (int)((long)groups * item / Bands) * Group;
            int row1 = Math.Min(P.M, (int)((long)groups * (item + 1) / Bands) * Group);
            if (row0 < row1) RunRows(P, KcStep, row0, row1);
        }
    }

    /// <summary>Rows of A (<paramref name="lda"/> apart) against the column b: eight rows at a time.</summary>
    private static void RowMajor(int kc, float* a, nint lda, int m, float* b, nint bStep, float* c, nint ldc, bool add)
    {
        int i = 0;
        for (; i + 8 <= m; i += 8) Rows8(kc, a + i * lda, lda, b, bStep, c + i * ldc, ldc, add);
        for (; i < m; i++) Row1(kc, a + i * lda, b, bStep, c + i * ldc, add);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Rows8(int kc, float* a, nint lda, float* b, nint bStep, float* c, nint ldc, bool add)
    {
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        for (int k = 0; k < kc; k++, b += bStep)
        {
            float x = *b;
            s0 = MathF.FusedMultiplyAdd(a0[k], x, s0);
            s1 = MathF.FusedMultiplyAdd(a1[k], x, s1);
            s2 = MathF.FusedMultiplyAdd(a2[k], x, s2);
            s3 = MathF.FusedMultiplyAdd(a3[k], x, s3);
            s4 = MathF.FusedMultiplyAdd(a4[k], x, s4);
            s5 = MathF.FusedMultiplyAdd(a5[k], x, s5);
            s6 = MathF.FusedMultiplyAdd(a6[k], x, s6);
            s7 = MathF.FusedMultiplyAdd(a7[k], x, s7);
        }
        Put(c, add, s0);
        Put(c + ldc, add, s1);
        Put(c + 2 * ldc, add, s2);
        Put(c + 3 * ldc, add, s3);
        Put(c + 4 * ldc, add, s4);
        Put(c + 5 * ldc, add, s5);
        Put(c + 6 * ldc, add, s6);
        Put(c + 7 * ldc, add, s7);
    }

    private static void Row1(int kc, float* a, float* b, nint bStep, float* c, bool add)
    {
        float s = 0f;
        for (int k = 0; k < kc; k++, b += bStep) s = MathF.FusedMultiplyAdd(a[k], *b, s);
        Put(c, add, s);
    }

    /// <summary>A stored k×m (rows <paramref name="lda"/> apart): sixteen elements of C per vector, 64 at a time where they are.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Transposed(int kc, float* a, nint lda, int m, float* b, nint bStep, float* c, nint ldc, bool add)
    {
        int i = 0;
        float* sums = stackalloc float[64];
        for (; i < m; i += 64)
        {
            int width = Math.Min(64, m - i);
            var m0 = GemmKernel512.ColumnMask(width);
            var m1 = GemmKernel512.ColumnMask(width - 16);
            var m2 = GemmKernel512.ColumnMask(width - 32);
            var m3 = GemmKernel512.ColumnMask(width - 48);
            var zero = Vector512<float>.Zero;
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
            float* column = a + i, x = b;
            for (int k = 0; k < kc; k++, column += lda, x += bStep)
            {
                var v = Vector512.Create(*x);
                c0 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(column, m0, zero), v, c0);
                c1 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(column + 16, m1, zero), v, c1);
                c2 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(column + 32, m2, zero), v, c2);
                c3 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(column + 48, m3, zero), v, c3);
            }
            c0.Store(sums);
            c1.Store(sums + 16);
            c2.Store(sums + 32);
            c3.Store(sums + 48);
            for (int j = 0; j < width; j++) Put(c + (i + j) * ldc, add, sums[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, bool add, float sum) => *c = add ? *c + sum : sum;
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// AVX-512 products of one to three rows of C with a row-major B read in place: a Dense layer at batch 1 to 3.
/// The tiled driver would pad such a row to a 4-row tile and sweep 32 columns at a time, one FMA chain per
/// vector, so the FMA latency decided (a quarter of the peak, plus the padding). Here one row sweeps up to 128
/// columns at once: eight independent chains per k step, as many as the two load ports feed.
/// <para>
/// Every element of C is summed exactly as the tiled kernels sum it: one fused multiply-add per k in order,
/// starting from zero at each of the driver's k blocks, each block's sum then added to C. So the results are
/// the same bits as the tiled path's, at any batch size.
/// </para>
/// </summary>
internal static unsafe class GemmThinRows
{
    /// <summary>The most rows of C this path takes.</summary>
    internal const int MaxRows = 3;

    /// <summary>Whether the product is one for this path: few rows, neither operand transposed, too small to share out.</summary>
    internal static bool Takes(in GemmProblem p, long parallelMinFlops) =>
        p.M <= MaxRows && !p.TransposeA && !p.TransposeB && 2L * p.M * p.N * p.K < parallelMinFlops;

    /// <summary>C = A·B (+ C), k cut into blocks of <paramref name="kcStep"/> as the tiled driver cuts it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run(in GemmProblem p, int kcStep)
    {
        for (int pc = 0; pc < p.K; pc += kcStep)
        {
            int kc = Math.Min(kcStep, p.K - pc);
            bool add = p.Accumulate || pc > 0;
            for (int r = 0; r < p.M; r++)
            {
                float* a = p.A + r * p.Lda + pc, b = p.B + pc * p.Ldb, c = p.C + r * p.Ldc;
                int j = 0;
                for (; j + 128 <= p.N; j += 128) Columns128(kc, a, b + j, p.Ldb, c + j, add);
                for (; j + 64 <= p.N; j += 64) Columns64(kc, a, b + j, p.Ldb, c + j, add, 64);
                if (j < p.N) Columns64(kc, a, b + j, p.Ldb, c + j, add, p.N - j);
            }
        }
    }

    /// <summary>128 columns of one row: eight accumulators.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Columns128(int kc, float* a, float* b, nint ldb, float* c, bool add)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            var x = Vector512.Create(a[p]);
            c0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b), c0);
            c1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 32), c2);
            c3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 48), c3);
            c4 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 64), c4);
            c5 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 80), c5);
            c6 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 96), c6);
            c7 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 112), c7);
            b += ldb;
        }
        GemmKernel512.Put1(c, add, c0);
        GemmKernel512.Put1(c + 16, add, c1);
        GemmKernel512.Put1(c + 32, add, c2);
        GemmKernel512.Put1(c + 48, add, c3);
        GemmKernel512.Put1(c + 64, add, c4);
        GemmKernel512.Put1(c + 80, add, c5);
        GemmKernel512.Put1(c + 96, add, c6);
        GemmKernel512.Put1(c + 112, add, c7);
    }

    /// <summary>
    /// Up to 64 columns of one row: four accumulators, the loads masked to <paramref name="columns"/> (a masked-off
    /// lane reads no memory, so a short last row of B is never overrun).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Columns64(int kc, float* a, float* b, nint ldb, float* c, bool add, int columns)
    {
        var m0 = GemmKernel512.ColumnMask(columns);
        var m1 = GemmKernel512.ColumnMask(columns - 16);
        var m2 = GemmKernel512.ColumnMask(columns - 32);
        var m3 = GemmKernel512.ColumnMask(columns - 48);
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kc; p++)
        {
            var x = Vector512.Create(a[p]);
            c0 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(b, m0, zero), c0);
            c1 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(b + 16, m1, zero), c1);
            c2 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(b + 32, m2, zero), c2);
            c3 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(b + 48, m3, zero), c3);
            b += ldb;
        }
        GemmKernel512.PutMasked1(c, add, c0, m0);
        GemmKernel512.PutMasked1(c + 16, add, c1, m1);
        GemmKernel512.PutMasked1(c + 32, add, c2, m2);
        GemmKernel512.PutMasked1(c + 48, add, c3, m3);
    }
}

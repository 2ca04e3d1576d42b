using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Self-attention's key-major pairs of exactly 16 query and 16 key steps (the vit's) with a whole 16 × 16 tile of a
/// product in sixteen registers: the scores' scaling, causal mask and maxima are taken from the registers that summed
/// them, and the softmax's gradient from those of dwᵀ = v·dcᵀ, instead of storing the tile and reading it back in a
/// separate pass (<see cref="AttentionColumns512"/>); and every product's sixteen rows share one load of the other
/// operand's row per step, with sixteen independent FMA chains rather than two blocks of eight.
/// <para>
/// Each element is computed with the operations of <see cref="AttentionPairs512.Product"/> and
/// <see cref="AttentionColumns512"/> in the same order (FMAs from zero in k order, the same lane-sum tree), so both
/// paths give the same bits. The weights for backward go out with non-temporal stores where aligned: no step reads
/// them before the backward pass, and a fresh buffer's lines need not be fetched to be overwritten.
/// </para>
/// </summary>
internal static unsafe class AttentionTiles512
{
    /// <summary>Query and key steps of the pairs these kernels take; the rows of their scratch tiles.</summary>
    internal const int Steps = 16;

    /// <summary>
    /// The scaled and masked scores of one pair, key-major: x[j·16 + i] = scale · Σ_p k[j·ldk + p] · qt[p·16 + i] (−∞ where
    /// <paramref name="causal"/> masks j &gt; i), into <paramref name="x"/>; returns each query step's maximum. qt is qᵀ
    /// (dk rows of 16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector512<float> ScaledScores(float* k, nint ldk, float* qt, int dk, float scale, bool causal, float* x)
    {
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        Vector512<float> c8 = zero, c9 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero;
        nint a2 = 2 * ldk, a3 = 3 * ldk;
        float* a = k, a4 = k + 4 * ldk, a8 = k + 8 * ldk, a12 = k + 12 * ldk;
        for (int p = 0; p < dk; p++)
        {
            var b = Vector512.Load(qt);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[ldk]), b, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a2]), b, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a3]), b, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), b, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[ldk]), b, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[a2]), b, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[a3]), b, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[0]), b, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[ldk]), b, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[a2]), b, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[a3]), b, c11);
            c12 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[0]), b, c12);
            c13 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[ldk]), b, c13);
            c14 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[a2]), b, c14);
            c15 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[a3]), b, c15);
            a++; a4++; a8++; a12++;
            qt += Steps;
        }
        var s = Vector512.Create(scale);
        c0 *= s; c1 *= s; c2 *= s; c3 *= s; c4 *= s; c5 *= s; c6 *= s; c7 *= s;
        c8 *= s; c9 *= s; c10 *= s; c11 *= s; c12 *= s; c13 *= s; c14 *= s; c15 *= s;
        if (causal)
        {
            // Query step i (the lane) may attend to key steps j ≤ i.
            var i = Vector512<int>.Indices;
            var none = Vector512.Create(float.NegativeInfinity);
            c1 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(1)).AsSingle(), c1, none);
            c2 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(2)).AsSingle(), c2, none);
            c3 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(3)).AsSingle(), c3, none);
            c4 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(4)).AsSingle(), c4, none);
            c5 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(5)).AsSingle(), c5, none);
            c6 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(6)).AsSingle(), c6, none);
            c7 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(7)).AsSingle(), c7, none);
            c8 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(8)).AsSingle(), c8, none);
            c9 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(9)).AsSingle(), c9, none);
            c10 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(10)).AsSingle(), c10, none);
            c11 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(11)).AsSingle(), c11, none);
            c12 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(12)).AsSingle(), c12, none);
            c13 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(13)).AsSingle(), c13, none);
            c14 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(14)).AsSingle(), c14, none);
            c15 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(i, Vector512.Create(15)).AsSingle(), c15, none);
        }
        c0.Store(x); c1.Store(x + 16); c2.Store(x + 32); c3.Store(x + 48);
        c4.Store(x + 64); c5.Store(x + 80); c6.Store(x + 96); c7.Store(x + 112);
        c8.Store(x + 128); c9.Store(x + 144); c10.Store(x + 160); c11.Store(x + 176);
        c12.Store(x + 192); c13.Store(x + 208); c14.Store(x + 224); c15.Store(x + 240);
        // A tree rather than a chain: the maxima of values are the same in any order (NaN aside, which makes the lane NaN anyway).
        var m0 = Vector512.MaxNative(Vector512.MaxNative(c0, c1), Vector512.MaxNative(c2, c3));
        var m1 = Vector512.MaxNative(Vector512.MaxNative(c4, c5), Vector512.MaxNative(c6, c7));
        var m2 = Vector512.MaxNative(Vector512.MaxNative(c8, c9), Vector512.MaxNative(c10, c11));
        var m3 = Vector512.MaxNative(Vector512.MaxNative(c12, c13), Vector512.MaxNative(c14, c15));
        return Vector512.MaxNative(Vector512.MaxNative(m0, m1), Vector512.MaxNative(m2, m3));
    }

    /// <summary>
    /// The weights from <see cref="ScaledScores"/>' x and maxima (no maximum −∞: the caller takes such pairs the general
    /// way): e = e^(x − max), w = e / Σ e per query step, into the scratch tile <paramref name="wt"/> and the kept weights
    /// <paramref name="w"/> (both key-major, 16 rows of 16), the latter with non-temporal stores when
    /// <paramref name="stream"/> and 64-byte aligned. <paramref name="partials"/>: a scratch tile of 8 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Softmax(float* x, Vector512<float> max, float* partials, float* wt, float* w, bool stream)
    {
        for (int j = 0; j < Steps; j++)
            Exp(Vector512.Load(x + j * Steps) - max).Store(x + j * Steps);
        var inverse = Vector512.Create(1f) / LaneSums512.Down(x, partials);
        stream &= ((nint)w & 63) == 0;
        for (int j = 0; j < Steps; j++)
        {
            var y = Vector512.Load(x + j * Steps) * inverse;
            y.Store(wt + j * Steps);
            if (stream) Avx512F.StoreAlignedNonTemporal(w + j * Steps, y);
            else y.Store(w + j * Steps);
        }
    }

    /// <summary>
    /// ds = scale · w ⊙ (dw − Σ dw·w) per query step, key-major, with dwᵀ = v·dcᵀ summed here:
    /// dw[j·16 + i] = Σ_p v[j·ldv + p] · dct[p·16 + i] over dv features; <paramref name="w"/> and <paramref name="ds"/> are
    /// 16 rows of 16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SoftmaxGradient(float* v, nint ldv, float* dct, int dv, float* w, float scale, float* ds)
    {
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        Vector512<float> c8 = zero, c9 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero;
        nint a2 = 2 * ldv, a3 = 3 * ldv;
        float* a = v, a4 = v + 4 * ldv, a8 = v + 8 * ldv, a12 = v + 12 * ldv;
        for (int p = 0; p < dv; p++)
        {
            var b = Vector512.Load(dct);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[ldv]), b, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a2]), b, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a3]), b, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), b, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[ldv]), b, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[a2]), b, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[a3]), b, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[0]), b, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[ldv]), b, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[a2]), b, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[a3]), b, c11);
            c12 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[0]), b, c12);
            c13 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[ldv]), b, c13);
            c14 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[a2]), b, c14);
            c15 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[a3]), b, c15);
            a++; a4++; a8++; a12++;
            dct += Steps;
        }
        // Σ_j dw·w in LaneSums512.Down's tree (rows j and j + 8, then 4 apart, then (r0 + r2) + (r1 + r3)), each dw ⊙ w an
        // FMA onto zero as AttentionColumns512.SoftmaxBackward forms it. Loads written out: no small helpers inlined 48 times.
        var r0 = (Vector512.FusedMultiplyAdd(c0, Vector512.Load(w), zero) + Vector512.FusedMultiplyAdd(c8, Vector512.Load(w + 128), zero))
            + (Vector512.FusedMultiplyAdd(c4, Vector512.Load(w + 64), zero) + Vector512.FusedMultiplyAdd(c12, Vector512.Load(w + 192), zero));
        var r1 = (Vector512.FusedMultiplyAdd(c1, Vector512.Load(w + 16), zero) + Vector512.FusedMultiplyAdd(c9, Vector512.Load(w + 144), zero))
            + (Vector512.FusedMultiplyAdd(c5, Vector512.Load(w + 80), zero) + Vector512.FusedMultiplyAdd(c13, Vector512.Load(w + 208), zero));
        var r2 = (Vector512.FusedMultiplyAdd(c2, Vector512.Load(w + 32), zero) + Vector512.FusedMultiplyAdd(c10, Vector512.Load(w + 160), zero))
            + (Vector512.FusedMultiplyAdd(c6, Vector512.Load(w + 96), zero) + Vector512.FusedMultiplyAdd(c14, Vector512.Load(w + 224), zero));
        var r3 = (Vector512.FusedMultiplyAdd(c3, Vector512.Load(w + 48), zero) + Vector512.FusedMultiplyAdd(c11, Vector512.Load(w + 176), zero))
            + (Vector512.FusedMultiplyAdd(c7, Vector512.Load(w + 112), zero) + Vector512.FusedMultiplyAdd(c15, Vector512.Load(w + 240), zero));
        var total = (r0 + r2) + (r1 + r3);
        var s = Vector512.Create(scale);
        ((c0 - total) * Vector512.Load(w) * s).Store(ds);
        ((c1 - total) * Vector512.Load(w + 16) * s).Store(ds + 16);
        ((c2 - total) * Vector512.Load(w + 32) * s).Store(ds + 32);
        ((c3 - total) * Vector512.Load(w + 48) * s).Store(ds + 48);
        ((c4 - total) * Vector512.Load(w + 64) * s).Store(ds + 64);
        ((c5 - total) * Vector512.Load(w + 80) * s).Store(ds + 80);
        ((c6 - total) * Vector512.Load(w + 96) * s).Store(ds + 96);
        ((c7 - total) * Vector512.Load(w + 112) * s).Store(ds + 112);
        ((c8 - total) * Vector512.Load(w + 128) * s).Store(ds + 128);
        ((c9 - total) * Vector512.Load(w + 144) * s).Store(ds + 144);
        ((c10 - total) * Vector512.Load(w + 160) * s).Store(ds + 160);
        ((c11 - total) * Vector512.Load(w + 176) * s).Store(ds + 176);
        ((c12 - total) * Vector512.Load(w + 192) * s).Store(ds + 192);
        ((c13 - total) * Vector512.Load(w + 208) * s).Store(ds + 208);
        ((c14 - total) * Vector512.Load(w + 224) * s).Store(ds + 224);
        ((c15 - total) * Vector512.Load(w + 240) * s).Store(ds + 240);
    }

    /// <summary>
    /// C[i, j] = Σ_p A(i, p)·B[p·ldb + j] for 16 rows i and j &lt; n, overwriting C, with A(i, p) = a[i·ai + p·ap]: the
    /// products of <see cref="AttentionPairs512.Product"/> at m = 16, the sixteen rows in registers at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Product(int n, int k, float* a, nint ai, nint ap, float* b, nint ldb, float* c, nint ldc)
    {
        for (int j = 0; j < n; j += 16)
            Rows16(k, a, ai, ap, b + j, ldb, c + j, ldc, GemmKernel512.ColumnMask(n - j));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows16(int k, float* a, nint ai, nint ap, float* b, nint ldb, float* c, nint ldc, Vector512<float> mask)
    {
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        Vector512<float> c8 = zero, c9 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero;
        nint a2 = 2 * ai, a3 = 3 * ai;
        float* a4 = a + 4 * ai, a8 = a + 8 * ai, a12 = a + 12 * ai;
        for (int p = 0; p < k; p++)
        {
            var bp = Avx512F.MaskLoad(b, mask, zero);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), bp, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[ai]), bp, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a2]), bp, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a3]), bp, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), bp, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[ai]), bp, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[a2]), bp, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[a3]), bp, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[0]), bp, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[ai]), bp, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[a2]), bp, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[a3]), bp, c11);
            c12 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[0]), bp, c12);
            c13 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[ai]), bp, c13);
            c14 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[a2]), bp, c14);
            c15 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[a3]), bp, c15);
            a += ap; a4 += ap; a8 += ap; a12 += ap;
            b += ldb;
        }
        Avx512F.MaskStore(c, mask, c0);
        Avx512F.MaskStore(c + ldc, mask, c1);
        Avx512F.MaskStore(c + 2 * ldc, mask, c2);
        Avx512F.MaskStore(c + 3 * ldc, mask, c3);
        Avx512F.MaskStore(c + 4 * ldc, mask, c4);
        Avx512F.MaskStore(c + 5 * ldc, mask, c5);
        Avx512F.MaskStore(c + 6 * ldc, mask, c6);
        Avx512F.MaskStore(c + 7 * ldc, mask, c7);
        Avx512F.MaskStore(c + 8 * ldc, mask, c8);
        Avx512F.MaskStore(c + 9 * ldc, mask, c9);
        Avx512F.MaskStore(c + 10 * ldc, mask, c10);
        Avx512F.MaskStore(c + 11 * ldc, mask, c11);
        Avx512F.MaskStore(c + 12 * ldc, mask, c12);
        Avx512F.MaskStore(c + 13 * ldc, mask, c13);
        Avx512F.MaskStore(c + 14 * ldc, mask, c14);
        Avx512F.MaskStore(c + 15 * ldc, mask, c15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x) => LaneMath.Exp(new Lanes512(x)).Vector;
}

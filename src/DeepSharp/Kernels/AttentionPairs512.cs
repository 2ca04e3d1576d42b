using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// The products and softmax rows of one (sample, head) pair of <see cref="AttentionKernel"/> with AVX-512. A pair's
/// matrices are small (16 steps by 16 features in the vit example: 8 kFLOP a product), and the general GEMM spent more
/// on its plan, packing and edge handling than on the arithmetic. Here a product is a loop of register blocks of eight
/// rows by sixteen columns, read where the operands lie (masked loads at a short right edge, never past a row), and
/// only an operand whose columns must come from strided rows (kᵀ, vᵀ) is transposed into a scratch block first.
/// <para>
/// Every element is summed as the GEMM's micro-kernels sum it: one fused multiply-add per k in order, from zero. Each
/// pair writes only its own rows, so the results do not depend on how the pairs are split over threads.
/// </para>
/// </summary>
internal static unsafe class AttentionPairs512
{
    /// <summary>Rows of C per register block: eight independent FMA chains cover the FMA latency on both ports.</summary>
    private const int BlockRows = 8;

    /// <summary>
    /// C[i, j] = Σ_p A(i, p)·B[p·ldb + j] for i &lt; m, j &lt; n, overwriting C (row stride <paramref name="ldc"/>), where
    /// A(i, p) = a[i·ai + p·ap]: a row-major A has (ai, ap) = (lda, 1), a transposed one (1, lda).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Product(int m, int n, int k, float* a, nint ai, nint ap, float* b, nint ldb, float* c, nint ldc)
    {
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            int i = 0;
            for (; i + BlockRows <= m; i += BlockRows) Rows8(k, a + i * ai, ai, ap, b + j, ldb, c + i * ldc + j, ldc, mask);
            for (; i < m; i++) Row1(k, a + i * ai, ap, b + j, ldb, c + i * ldc + j, mask);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows8(int k, float* a, nint ai, nint ap, float* b, nint ldb, float* c, nint ldc, Vector512<float> mask)
    {
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        float* a4 = a + 4 * ai;
        for (int p = 0; p < k; p++)
        {
            var bp = Avx512F.MaskLoad(b, mask, zero);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), bp, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[ai]), bp, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2 * ai]), bp, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3 * ai]), bp, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), bp, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[ai]), bp, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[2 * ai]), bp, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[3 * ai]), bp, c7);
            a += ap;
            a4 += ap;
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
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row1(int k, float* a, nint ap, float* b, nint ldb, float* c, Vector512<float> mask)
    {
        var zero = Vector512<float>.Zero;
        var c0 = zero;
        for (int p = 0; p < k; p++, a += ap, b += ldb)
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), Avx512F.MaskLoad(b, mask, zero), c0);
        Avx512F.MaskStore(c, mask, c0);
    }

    /// <summary>
    /// t[p·rows + r] = x[r·ldx + p] for r &lt; rows, p &lt; columns: a pair's keys or values as features × steps. Tiles of
    /// 16 × 16 are transposed in registers (four rounds of two-source permutes, each swapping the off-diagonal blocks of
    /// twice its size), read and written with masks at the edges.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose(float* x, nint ldx, int rows, int columns, float* t) => Transpose(x, ldx, rows, columns, t, rows);

    /// <summary>As <see cref="Transpose(float*, nint, int, int, float*)"/> with rows of t <paramref name="ldt"/> apart (ldt ≥ rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose(float* x, nint ldx, int rows, int columns, float* t, nint ldt)
    {
        for (int r0 = 0; r0 < rows; r0 += 16)
            for (int p0 = 0; p0 < columns; p0 += 16)
                Tile(x + r0 * ldx + p0, ldx, Math.Min(16, rows - r0), Math.Min(16, columns - p0), t + p0 * ldt + r0, ldt);
    }

    /// <summary>One tile: <paramref name="rows"/> rows of <paramref name="columns"/> values in, their transpose out (row stride <paramref name="ldt"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* x, nint ldx, int rows, int columns, float* t, nint ldt)
    {
        var m = GemmKernel512.ColumnMask(columns);
        Vector512<float> r0 = Row(x, ldx, 0, rows, m), r1 = Row(x, ldx, 1, rows, m), r2 = Row(x, ldx, 2, rows, m), r3 = Row(x, ldx, 3, rows, m);
        Vector512<float> r4 = Row(x, ldx, 4, rows, m), r5 = Row(x, ldx, 5, rows, m), r6 = Row(x, ldx, 6, rows, m), r7 = Row(x, ldx, 7, rows, m);
        Vector512<float> r8 = Row(x, ldx, 8, rows, m), r9 = Row(x, ldx, 9, rows, m), r10 = Row(x, ldx, 10, rows, m), r11 = Row(x, ldx, 11, rows, m);
        Vector512<float> r12 = Row(x, ldx, 12, rows, m), r13 = Row(x, ldx, 13, rows, m), r14 = Row(x, ldx, 14, rows, m), r15 = Row(x, ldx, 15, rows, m);
        // Round b: rows r and r + b (r & b = 0) trade their lanes l & b ≠ 0 of r against lanes l & b = 0 of r + b.
        var lo = SwapLow(8); var hi = SwapHigh(8);
        (r0, r8) = (P(r0, lo, r8), P(r0, hi, r8)); (r1, r9) = (P(r1, lo, r9), P(r1, hi, r9));
        (r2, r10) = (P(r2, lo, r10), P(r2, hi, r10)); (r3, r11) = (P(r3, lo, r11), P(r3, hi, r11));
        (r4, r12) = (P(r4, lo, r12), P(r4, hi, r12)); (r5, r13) = (P(r5, lo, r13), P(r5, hi, r13));
        (r6, r14) = (P(r6, lo, r14), P(r6, hi, r14)); (r7, r15) = (P(r7, lo, r15), P(r7, hi, r15));
        lo = SwapLow(4); hi = SwapHigh(4);
        (r0, r4) = (P(r0, lo, r4), P(r0, hi, r4)); (r1, r5) = (P(r1, lo, r5), P(r1, hi, r5));
        (r2, r6) = (P(r2, lo, r6), P(r2, hi, r6)); (r3, r7) = (P(r3, lo, r7), P(r3, hi, r7));
        (r8, r12) = (P(r8, lo, r12), P(r8, hi, r12)); (r9, r13) = (P(r9, lo, r13), P(r9, hi, r13));
        (r10, r14) = (P(r10, lo, r14), P(r10, hi, r14)); (r11, r15) = (P(r11, lo, r15), P(r11, hi, r15));
        lo = SwapLow(2); hi = SwapHigh(2);
        (r0, r2) = (P(r0, lo, r2), P(r0, hi, r2)); (r1, r3) = (P(r1, lo, r3), P(r1, hi, r3));
        (r4, r6) = (P(r4, lo, r6), P(r4, hi, r6)); (r5, r7) = (P(r5, lo, r7), P(r5, hi, r7));
        (r8, r10) = (P(r8, lo, r10), P(r8, hi, r10)); (r9, r11) = (P(r9, lo, r11), P(r9, hi, r11));
        (r12, r14) = (P(r12, lo, r14), P(r12, hi, r14)); (r13, r15) = (P(r13, lo, r15), P(r13, hi, r15));
        lo = SwapLow(1); hi = SwapHigh(1);
        (r0, r1) = (P(r0, lo, r1), P(r0, hi, r1)); (r2, r3) = (P(r2, lo, r3), P(r2, hi, r3));
        (r4, r5) = (P(r4, lo, r5), P(r4, hi, r5)); (r6, r7) = (P(r6, lo, r7), P(r6, hi, r7));
        (r8, r9) = (P(r8, lo, r9), P(r8, hi, r9)); (r10, r11) = (P(r10, lo, r11), P(r10, hi, r11));
        (r12, r13) = (P(r12, lo, r13), P(r12, hi, r13)); (r14, r15) = (P(r14, lo, r15), P(r14, hi, r15));
        var store = GemmKernel512.ColumnMask(rows);
        Avx512F.MaskStore(t, store, r0);
        if (columns > 1) Avx512F.MaskStore(t + ldt, store, r1);
        if (columns > 2) Avx512F.MaskStore(t + 2 * ldt, store, r2);
        if (columns > 3) Avx512F.MaskStore(t + 3 * ldt, store, r3);
        if (columns > 4) Avx512F.MaskStore(t + 4 * ldt, store, r4);
        if (columns > 5) Avx512F.MaskStore(t + 5 * ldt, store, r5);
        if (columns > 6) Avx512F.MaskStore(t + 6 * ldt, store, r6);
        if (columns > 7) Avx512F.MaskStore(t + 7 * ldt, store, r7);
        if (columns > 8) Avx512F.MaskStore(t + 8 * ldt, store, r8);
        if (columns > 9) Avx512F.MaskStore(t + 9 * ldt, store, r9);
        if (columns > 10) Avx512F.MaskStore(t + 10 * ldt, store, r10);
        if (columns > 11) Avx512F.MaskStore(t + 11 * ldt, store, r11);
        if (columns > 12) Avx512F.MaskStore(t + 12 * ldt, store, r12);
        if (columns > 13) Avx512F.MaskStore(t + 13 * ldt, store, r13);
        if (columns > 14) Avx512F.MaskStore(t + 14 * ldt, store, r14);
        if (columns > 15) Avx512F.MaskStore(t + 15 * ldt, store, r15);
    }

    /// <summary>Row r of a tile, masked to its columns; zeros past the last row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* x, nint ldx, int r, int rows, Vector512<float> mask) =>
        r < rows ? Avx512F.MaskLoad(x + r * ldx, mask, Vector512<float>.Zero) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> P(Vector512<float> a, Vector512<int> indices, Vector512<float> b) => Avx512F.PermuteVar16x32x2(a, indices, b);

    /// <summary>The upper row of a round of block size b: its own lanes l &amp; b = 0, the partner's lanes l − b elsewhere (16 + … picks the partner).</summary>
    private static Vector512<int> SwapLow(int b)
    {
        var l = Vector512<int>.Indices;
        var own = Vector512.Equals(l & Vector512.Create(b), Vector512<int>.Zero);
        return Vector512.ConditionalSelect(own, l, l - Vector512.Create(b) + Vector512.Create(16));
    }

    /// <summary>The lower row of a round: the upper row's lanes l + b where l &amp; b = 0, its own lanes elsewhere.</summary>
    private static Vector512<int> SwapHigh(int b)
    {
        var l = Vector512<int>.Indices;
        var own = Vector512.Equals(l & Vector512.Create(b), Vector512<int>.Zero);
        return Vector512.ConditionalSelect(own, l + Vector512.Create(b), l + Vector512.Create(16));
    }

    /// <summary>
    /// One row of n scores in place: y = softmax(scale·x) over the entries left by the mask (<paramref name="allowed"/>
    /// nonzero, or null for all) and by <paramref name="limit"/> (entries from it on are masked: the causal mask). As the
    /// reference: a masked entry gets 0, a NaN keeps the row NaN, and a row with nothing allowed becomes zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SoftmaxRow(float* row, int n, float scale, float* allowed, int limit)
    {
        var negativeInfinity = Vector512.Create(float.NegativeInfinity);
        var zero = Vector512<float>.Zero;
        var scaleVector = Vector512.Create(scale);
        if (n <= 16)
        {
            // The whole row in one register: one load, one store.
            var mask = GemmKernel512.ColumnMask(n);
            var x = Kept(Avx512F.MaskLoad(row, mask, zero) * scaleVector, 0, mask, allowed, limit);
            float top = HorizontalMax(x);
            if (float.IsNegativeInfinity(top))
            {
                Avx512F.MaskStore(row, mask, HasNaN(x) ? Vector512.Create(float.NaN) : zero);
                return;
            }
            var e = Exp(x - Vector512.Create(top));
            Avx512F.MaskStore(row, mask, e * Vector512.Create(1f / LaneSums512.Of(e)));
            return;
        }
        var max = negativeInfinity;
        var nan = zero;
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            var x = Kept(Avx512F.MaskLoad(row + j, mask, zero) * scaleVector, j, mask, allowed, limit);
            max = Vector512.MaxNative(max, x);
            nan |= ~Vector512.Equals(x, x);
        }
        float peak = HorizontalMax(max);
        if (float.IsNegativeInfinity(peak) || nan != zero)
        {
            // Nothing to attend to gives zeros; a NaN score makes the row NaN, as e^(x − NaN) would.
            var fill = nan != zero ? Vector512.Create(float.NaN) : zero;
            for (int j = 0; j < n; j += 16) Avx512F.MaskStore(row + j, GemmKernel512.ColumnMask(n - j), fill);
            return;
        }
        var peakVector = Vector512.Create(peak);
        var sum = zero;
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            var e = Exp(Kept(Avx512F.MaskLoad(row + j, mask, zero) * scaleVector, j, mask, allowed, limit) - peakVector); // masked: e^−∞ = 0
            sum += e;
            if (n - j >= 16) e.Store(row + j);
            else Avx512F.MaskStore(row + j, mask, e);
        }
        var inverse = Vector512.Create(1f / LaneSums512.Of(sum));
        for (int j = 0; j < n; j += 16)
        {
            if (n - j >= 16)
            {
                (Vector512.Load(row + j) * inverse).Store(row + j);
                continue;
            }
            var mask = GemmKernel512.ColumnMask(n - j);
            Avx512F.MaskStore(row + j, mask, Avx512F.MaskLoad(row + j, mask, zero) * inverse);
        }
    }

    /// <summary>The scores at columns j.. with −∞ where the mask, the causal limit or the row's end leaves them out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Kept(Vector512<float> x, int j, Vector512<float> mask, float* allowed, int limit)
    {
        var keep = Vector512.LessThan(Vector512<int>.Indices + Vector512.Create(j), Vector512.Create(limit)).AsSingle() & mask;
        if (allowed != null) keep &= ~Vector512.Equals(Avx512F.MaskLoad(allowed + j, mask, Vector512<float>.Zero), Vector512<float>.Zero);
        return Vector512.ConditionalSelect(keep, x, Vector512.Create(float.NegativeInfinity));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasNaN(Vector512<float> x) => !Vector512.EqualsAll(x, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x) => LaneMath.Exp(new Lanes512(x)).Vector;

    /// <summary>ds = scale · w ⊙ (dw − Σ dw·w) over one row of n weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SoftmaxBackwardRow(float* w, float* dw, float* ds, int n, float scale)
    {
        var zero = Vector512<float>.Zero;
        var dot = zero;
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            dot = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(dw + j, mask, zero), Avx512F.MaskLoad(w + j, mask, zero), dot);
        }
        var total = Vector512.Create(LaneSums512.Of(dot));
        var scaleVector = Vector512.Create(scale);
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            var d = (Avx512F.MaskLoad(dw + j, mask, zero) - total) * Avx512F.MaskLoad(w + j, mask, zero) * scaleVector;
            Avx512F.MaskStore(ds + j, mask, d);
        }
    }

    /// <summary>The largest lane (vmaxps: a NaN may be dropped, so callers check for NaN themselves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector512<float> v)
    {
        var m = Vector256.MaxNative(v.GetLower(), v.GetUpper());
        var h = Vector128.MaxNative(m.GetLower(), m.GetUpper());
        h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
        h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
        return h.ToScalar();
    }
}

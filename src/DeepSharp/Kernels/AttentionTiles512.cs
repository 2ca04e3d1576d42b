using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// One (sample, head) pair of self-attention of at most 16 query and 16 key steps with its key-major 16 × 16 tile held
/// in sixteen registers, one per key step, from the product that makes it to the softmax that ends it: forward the
/// scores sᵀ = k·qᵀ become the weights in place, backward dwᵀ = v·dcᵀ becomes dsᵀ. The memory path
/// (<see cref="AttentionPairs512.Product"/> into a scratch tile, then <see cref="AttentionColumns512"/>) stored the tile
/// and read it back three to four times a pair.
/// <para>
/// Every value is computed as the memory path computes it: each product element one fused multiply-add per feature in
/// order from zero, the softmax's maxima in key order, its sums in <see cref="LaneSums512.Down"/>'s tree. Lanes are
/// query steps and never mix, so lanes past tq, which the memory path zeroed, change nothing that is kept: the same bits.
/// </para>
/// </summary>
internal static unsafe class AttentionTiles512
{
    private const int Lanes = AttentionColumns512.Lanes;

    /// <summary>Floats of scratch <see cref="Attend"/> and <see cref="AttendBackward"/> need for features up to <paramref name="features"/>.</summary>
    internal static long ScratchFloats(int features) => 2L * features * Lanes;

    /// <summary>
    /// Forward of one pair: w = softmax over the key steps of scale·k·qᵀ, masked as <see cref="AttentionColumns512.Softmax"/>
    /// (<paramref name="allowed"/>, <paramref name="perQuery"/>, <paramref name="causal"/>), written key-major into
    /// <paramref name="w"/> (tk rows of tq), then c = w·v (tq rows, <paramref name="ldc"/> apart). q, k and v are rows
    /// <paramref name="ld"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Attend(float* q, float* k, float* v, nint ld, float* w, float* c, nint ldc, int tq, int tk, int dk, int dv,
        float scale, float* allowed, bool perQuery, bool causal, float* scratch)
    {
        float* qT = scratch;
        AttentionPairs512.Transpose(q, ld, tq, dk, qT, Lanes);                                   // qᵀ: dk × tq
        nint ldk = ld;
        if (tk < Lanes) k = SixteenRows(k, ref ldk, tk, dk, scratch + (long)dk * Lanes);
        var lanes = GemmKernel512.ColumnMask(tq);
        Rows8(k, ldk, qT, dk, lanes, out var s0, out var s1, out var s2, out var s3, out var s4, out var s5, out var s6, out var s7);
        Rows8(k + 8 * ldk, ldk, qT, dk, lanes, out var s8, out var s9, out var s10, out var s11, out var s12, out var s13, out var s14, out var s15);

        // Scaled and masked scores; keys past tk are masked entries of every query step.
        var m = new Masking(tk, scale, allowed, perQuery, causal, lanes);
        s0 = m.Apply(s0, 0); s1 = m.Apply(s1, 1); s2 = m.Apply(s2, 2); s3 = m.Apply(s3, 3);
        s4 = m.Apply(s4, 4); s5 = m.Apply(s5, 5); s6 = m.Apply(s6, 6); s7 = m.Apply(s7, 7);
        s8 = m.Apply(s8, 8); s9 = m.Apply(s9, 9); s10 = m.Apply(s10, 10); s11 = m.Apply(s11, 11);
        s12 = m.Apply(s12, 12); s13 = m.Apply(s13, 13); s14 = m.Apply(s14, 14); s15 = m.Apply(s15, 15);
        var max = m.Max;
        s0 = Exp(s0 - max); s1 = Exp(s1 - max); s2 = Exp(s2 - max); s3 = Exp(s3 - max);        // masked: e^−∞ = 0
        s4 = Exp(s4 - max); s5 = Exp(s5 - max); s6 = Exp(s6 - max); s7 = Exp(s7 - max);
        s8 = Exp(s8 - max); s9 = Exp(s9 - max); s10 = Exp(s10 - max); s11 = Exp(s11 - max);
        s12 = Exp(s12 - max); s13 = Exp(s13 - max); s14 = Exp(s14 - max); s15 = Exp(s15 - max);
        var inverse = Vector512.Create(1f) / Down(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
        // A query step with nothing to attend to (its maximum −∞) gets zeros, or NaN if a score was NaN (as e^(x − NaN)).
        var empty = Vector512.Equals(max, Vector512.Create(float.NegativeInfinity)) & ~m.NaN;
        var o = new WeightsOut(w, tq, tk, inverse, empty, lanes);
        o.Store(s0, 0); o.Store(s1, 1); o.Store(s2, 2); o.Store(s3, 3); o.Store(s4, 4); o.Store(s5, 5); o.Store(s6, 6); o.Store(s7, 7);
        o.Store(s8, 8); o.Store(s9, 9); o.Store(s10, 10); o.Store(s11, 11); o.Store(s12, 12); o.Store(s13, 13); o.Store(s14, 14); o.Store(s15, 15);
        AttentionPairs512.Product(tq, dv, tk, w, 1, tq, v, ld, c, ldc);                          // c = w·v
    }

    /// <summary>
    /// Backward of one pair from dc (tq rows, <paramref name="ldc"/> apart) and the key-major weights <paramref name="w"/>:
    /// dwᵀ = v·dcᵀ, dv = wᵀ·dc, ds = scale · w ⊙ (dw − Σ dw·w) (key-major, into <paramref name="ds"/>, tk rows of
    /// <see cref="Lanes"/>), dq = ds·k and dk = dsᵀ·q, each gradient overwritten in its operand's layout (rows
    /// <paramref name="ld"/> apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AttendBackward(float* q, float* k, float* v, nint ld, float* w, float* dc, nint ldc, float* dq, float* dk, float* dv,
        int tq, int tk, int keyFeatures, int valueFeatures, float scale, float* ds, float* scratch)
    {
        float* dcT = scratch;
        AttentionPairs512.Transpose(dc, ldc, tq, valueFeatures, dcT, Lanes);                       // dcᵀ: dv × tq
        nint ldv = ld;
        float* vRows = tk < Lanes ? SixteenRows(v, ref ldv, tk, valueFeatures, scratch + (long)valueFeatures * Lanes) : v;
        var lanes = GemmKernel512.ColumnMask(tq);
        Rows8(vRows, ldv, dcT, valueFeatures, lanes, out var d0, out var d1, out var d2, out var d3, out var d4, out var d5, out var d6, out var d7);
        Rows8(vRows + 8 * ldv, ldv, dcT, valueFeatures, lanes, out var d8, out var d9, out var d10, out var d11, out var d12, out var d13, out var d14, out var d15);
        AttentionPairs512.Product(tk, valueFeatures, tq, w, tq, 1, dc, ldc, dv, ld);            // dv = wᵀ·dc

        // Σ over the key steps of dw·w per query step (keys past tk add zero), then ds row by row.
        var g = new GradientIn(w, tq, tk, lanes);
        var total = Down(g.Product(d0, 0), g.Product(d1, 1), g.Product(d2, 2), g.Product(d3, 3), g.Product(d4, 4), g.Product(d5, 5),
            g.Product(d6, 6), g.Product(d7, 7), g.Product(d8, 8), g.Product(d9, 9), g.Product(d10, 10), g.Product(d11, 11),
            g.Product(d12, 12), g.Product(d13, 13), g.Product(d14, 14), g.Product(d15, 15));
        var scaleVector = Vector512.Create(scale);
        g.Store(ds, d0, total, scaleVector, 0); g.Store(ds, d1, total, scaleVector, 1); g.Store(ds, d2, total, scaleVector, 2);
        g.Store(ds, d3, total, scaleVector, 3); g.Store(ds, d4, total, scaleVector, 4); g.Store(ds, d5, total, scaleVector, 5);
        g.Store(ds, d6, total, scaleVector, 6); g.Store(ds, d7, total, scaleVector, 7); g.Store(ds, d8, total, scaleVector, 8);
        g.Store(ds, d9, total, scaleVector, 9); g.Store(ds, d10, total, scaleVector, 10); g.Store(ds, d11, total, scaleVector, 11);
        g.Store(ds, d12, total, scaleVector, 12); g.Store(ds, d13, total, scaleVector, 13); g.Store(ds, d14, total, scaleVector, 14);
        g.Store(ds, d15, total, scaleVector, 15);
        AttentionPairs512.Product(tq, keyFeatures, tk, ds, 1, Lanes, k, ld, dq, ld);           // dq = ds·k
        AttentionPairs512.Product(tk, keyFeatures, tq, ds, Lanes, 1, q, ld, dk, ld);           // dk = dsᵀ·q
    }

    /// <summary>
    /// The tk rows of x (features each) followed by zero rows up to 16, in <paramref name="tile"/>: the sixteen-register
    /// products read all 16 rows, and past tk the pair's rows end (the next sample's, or the tensor's end).
    /// </summary>
    private static float* SixteenRows(float* x, ref nint ldx, int rows, int features, float* tile)
    {
        for (int r = 0; r < Lanes; r++)
        {
            var row = new Span<float>(tile + (long)r * features, features);
            if (r < rows) new ReadOnlySpan<float>(x + r * ldx, features).CopyTo(row);
            else row.Clear();
        }
        ldx = features;
        return tile;
    }

    /// <summary>
    /// Eight rows of a product into registers: c_r = Σ_p a[r·lda + p] · b[p·16] for p &lt; k, from zero in order (as
    /// <see cref="AttentionPairs512.Product"/>'s register blocks), b's lanes past the mask read as zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows8(float* a, nint lda, float* b, int k, Vector512<float> mask,
        out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3,
        out Vector512<float> c4, out Vector512<float> c5, out Vector512<float> c6, out Vector512<float> c7)
    {
        var zero = Vector512<float>.Zero;
        c0 = zero; c1 = zero; c2 = zero; c3 = zero; c4 = zero; c5 = zero; c6 = zero; c7 = zero;
        float* a4 = a + 4 * lda;
        for (int p = 0; p < k; p++)
        {
            var bp = Avx512F.MaskLoad(b, mask, zero);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), bp, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[lda]), bp, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2 * lda]), bp, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3 * lda]), bp, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), bp, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[lda]), bp, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[2 * lda]), bp, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[3 * lda]), bp, c7);
            a++;
            a4++;
            b += Lanes;
        }
    }

    /// <summary>Lane by lane, the sum of sixteen vectors in <see cref="LaneSums512.Down"/>'s tree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Down(Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3,
        Vector512<float> x4, Vector512<float> x5, Vector512<float> x6, Vector512<float> x7, Vector512<float> x8, Vector512<float> x9,
        Vector512<float> x10, Vector512<float> x11, Vector512<float> x12, Vector512<float> x13, Vector512<float> x14, Vector512<float> x15)
    {
        Vector512<float> p0 = x0 + x8, p1 = x1 + x9, p2 = x2 + x10, p3 = x3 + x11, p4 = x4 + x12, p5 = x5 + x13, p6 = x6 + x14, p7 = x7 + x15;
        var r0 = p0 + p4;
        var r1 = p1 + p5;
        var r2 = p2 + p6;
        var r3 = p3 + p7;
        return (r0 + r2) + (r1 + r3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x) => LaneMath.Exp(new Lanes512(x)).Vector;

    /// <summary>
    /// The scale and the mask applied to key step j's scores as <see cref="AttentionColumns512.Softmax"/> applies them,
    /// with the running maximum and NaN flags of the query steps.
    /// </summary>
    private ref struct Masking(int tk, float scale, float* allowed, bool perQuery, bool causal, Vector512<float> lanes)
    {
        public Vector512<float> Max = Vector512.Create(float.NegativeInfinity);
        public Vector512<float> NaN = Vector512<float>.Zero;
        private readonly Vector512<float> _scale = Vector512.Create(scale);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> s, int j)
        {
            var negativeInfinity = Vector512.Create(float.NegativeInfinity);
            if (j >= tk) return negativeInfinity;
            var zero = Vector512<float>.Zero;
            var keep = Vector512<float>.AllBitsSet;
            if (causal) keep = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(j)).AsSingle();
            if (allowed != null)
            {
                var a = perQuery ? Avx512F.MaskLoad(allowed + j * Lanes, lanes, zero) : Vector512.Create(allowed[j]);
                keep &= ~Vector512.Equals(a, zero);
            }
            var x = Vector512.ConditionalSelect(keep, s * _scale, negativeInfinity);
            Max = Vector512.MaxNative(Max, x);
            NaN |= ~Vector512.Equals(x, x);
            return x;
        }
    }

    /// <summary>Key step j's weights, e_j / Σ e (zeros where a query step had nothing to attend to), stored key-major.</summary>
    private readonly ref struct WeightsOut(float* w, int tq, int tk, Vector512<float> inverse, Vector512<float> empty, Vector512<float> lanes)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(Vector512<float> e, int j)
        {
            if (j < tk) Avx512F.MaskStore(w + j * tq, lanes, Vector512.ConditionalSelect(empty, Vector512<float>.Zero, e * inverse));
        }
    }

    /// <summary>Key step j's dw·w and ds, with the weights read key-major as <see cref="AttentionColumns512.SoftmaxBackward"/> reads them.</summary>
    private readonly ref struct GradientIn(float* w, int tq, int tk, Vector512<float> lanes)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Product(Vector512<float> dw, int j) => j < tk
            ? Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(lanes, dw, Vector512<float>.Zero), Weights(j), Vector512<float>.Zero)
            : Vector512<float>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(float* ds, Vector512<float> dw, Vector512<float> total, Vector512<float> scale, int j)
        {
            if (j < tk) ((Vector512.ConditionalSelect(lanes, dw, Vector512<float>.Zero) - total) * Weights(j) * scale).Store(ds + j * Lanes);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<float> Weights(int j) => Avx512F.MaskLoad(w + j * tq, lanes, Vector512<float>.Zero);
    }
}

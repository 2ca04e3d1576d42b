using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Self-attention's (sample, head) pairs of 16 query and 16 key steps and 16 features per head (the vit's) taken a whole
/// sample at a time, its heads one after the other. Each pair does what <see cref="AttentionTiles512"/> does for it, with
/// the same operations in the same order (the same bits); but the sizes are fixed at 16 (no masks or edges in the loops),
/// the scores, their exponentials and sums stay in registers from the product to the weights, and what the same head of
/// the next sample will read and write is asked for inside the products, a row's lines at each step, where the pair path
/// asked for a share of the next sample in one burst before each pair (after working out the pair's sample, head and
/// share by division).
/// </summary>
internal static unsafe class AttentionSamples512
{
    /// <summary>Steps, and features per head, of the pairs these kernels take.</summary>
    internal const int Size = 16;

    /// <summary>Floats of scratch one thread needs: qᵀ or dcᵀ, the weights or dsᵀ, and the score tile of a fallback.</summary>
    internal const int ScratchFloats = 4 * Size * Size;

    /// <summary>One call's operands: the packed rows (q, k, v at columns 0, H·16, 2·H·16; rows <see cref="Ld"/> apart) and the rest.</summary>
    internal struct Problem
    {
        public float* Qkv, W, C, Dc, Dqkv;
        public int Ld, Heads, Batch;
        public float Scale;
        public bool Causal, Stream, Prefetch;
    }

    /// <summary>
    /// Samples [<paramref name="first"/>, <paramref name="last"/>) forward: per head, the key-major weights into
    /// <c>W</c> (B, H, 16, 16) and the context into <c>C</c> (B, 16, H, 16), as <see cref="AttentionTiles512"/> computes them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward(in Problem p, int first, int last, float* scratch)
    {
        int heads = p.Heads, ld = p.Ld, ldc = heads * Size, span = heads * Size, pair = Size * Size;
        float* qt = scratch, wt = scratch + pair, fallback = wt + pair;
        bool stream = p.Stream && ((nint)p.W & 63) == 0;
        for (int b = first; b < last; b++)
        {
            float* x = p.Qkv + (long)b * Size * ld, c = p.C + (long)b * Size * ldc, w = p.W + (long)b * heads * pair;
            bool more = p.Prefetch && b + 1 < p.Batch;
            for (int h = 0; h < heads; h++)
            {
                float* q = x + h * Size, k = q + span, v = k + span, wh = w + h * pair, ch = c + h * Size;
                Transpose(q, ld, qt);
                // The same head of the next sample is asked for line by line inside the products (see the class).
                if (!Weights(k, ld, qt, p.Scale, p.Causal, wt, wh, stream, more ? q + Size * ld : null, span))
                {
                    // A query step whose scores are all −∞: the column softmax gives it zeros, as on the pair path.
                    AttentionPairs512.Product(Size, Size, Size, k, ld, 1, qt, Size, fallback, Size);
                    AttentionColumns512.Softmax(fallback, wt, fallback + pair, Size, Size, p.Scale, null, false, p.Causal);
                    Buffer.MemoryCopy(wt, wh, pair * sizeof(float), pair * sizeof(float));
                }
                Rows16(wt, 1, Size, v, ld, ch, ldc,                                              // c = w·v
                    more ? ch + Size * ldc : null, ldc, more && !stream ? wh + heads * pair : null, Size);
            }
        }
        if (stream) Sse.StoreFence(); // the weights' non-temporal stores are seen before the pass ends
    }

    /// <summary>
    /// Samples [<paramref name="first"/>, <paramref name="last"/>) backward: from <c>Dc</c> and the key-major weights, per
    /// head dwᵀ = v·dcᵀ, dsᵀ, dv = wᵀ·dc, dq = ds·k and dk = dsᵀ·q, written into <c>Dqkv</c> (laid out as qkv).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Backward(in Problem p, int first, int last, float* scratch)
    {
        int heads = p.Heads, ld = p.Ld, ldc = heads * Size, span = heads * Size, pair = Size * Size;
        float* dct = scratch, ds = scratch + pair;
        for (int b = first; b < last; b++)
        {
            long rows = (long)b * Size * ld;
            float* x = p.Qkv + rows, dx = p.Dqkv + rows, dc = p.Dc + (long)b * Size * ldc, w = p.W + (long)b * heads * pair;
            bool more = p.Prefetch && b + 1 < p.Batch;
            for (int h = 0; h < heads; h++)
            {
                float* q = x + h * Size, dq = dx + h * Size, dch = dc + h * Size, wh = w + h * pair;
                float* nextDq = more ? dq + Size * ld : null;
                Transpose(dch, ldc, dct);                                                           // dcᵀ
                SoftmaxGradient(q + 2 * span, ld, dct, wh, p.Scale, ds, more ? q + Size * ld : null, span); // dsᵀ from dwᵀ = v·dcᵀ
                Rows16(wh, Size, 1, dch, ldc, dq + 2 * span, ld,                                    // dv = wᵀ·dc
                    more ? dch + Size * ldc : null, ldc, more ? wh + heads * pair : null, Size);
                Rows16(ds, 1, Size, q + span, ld, dq, ld, nextDq, ld, more ? nextDq + span : null, ld); // dq = ds·k
                Rows16(ds, Size, 1, q, ld, dq + span, ld, more ? nextDq + 2 * span : null, ld, null, 0); // dk = dsᵀ·q
            }
        }
    }

    /// <summary>
    /// One pair's weights: sᵀ = k·qᵀ (<paramref name="qt"/> is qᵀ, 16 rows of 16), scaled and causally masked, its column
    /// maxima, e = e^(x − max) and w = e / Σ e per query step, all in registers, stored key-major into the scratch tile
    /// <paramref name="wt"/> and the kept weights <paramref name="w"/> (non-temporally when <paramref name="stream"/>).
    /// The operations of <see cref="AttentionTiles512.ScaledScores"/> and <see cref="AttentionTiles512.Softmax"/>, in
    /// their order. Returns false, having stored nothing, when a query step's maximum is −∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Weights(float* k, nint ld, float* qt, float scale, bool causal, float* wt, float* w, bool stream, float* next, nint span)
    {
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        Vector512<float> c8 = zero, c9 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero;
        nint l2 = 2 * ld, l3 = 3 * ld;
        float* a = k, a4 = k + 4 * ld, a8 = k + 8 * ld, a12 = k + 12 * ld;
        for (int f = 0; f < Size; f++)
        {
            var b = Vector512.Load(qt);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[ld]), b, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[l2]), b, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[l3]), b, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), b, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[ld]), b, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[l2]), b, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[l3]), b, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[0]), b, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[ld]), b, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[l2]), b, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[l3]), b, c11);
            c12 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[0]), b, c12);
            c13 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[ld]), b, c13);
            c14 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[l2]), b, c14);
            c15 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[l3]), b, c15);
            a++; a4++; a8++; a12++;
            qt += Size;
            if (next != null)
            {
                // Row f of the next sample's q, k and v of this head.
                Sse.Prefetch0(next);
                Sse.Prefetch0(next + span);
                Sse.Prefetch0(next + 2 * span);
                next += ld;
            }
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
        var m0 = Vector512.MaxNative(Vector512.MaxNative(c0, c1), Vector512.MaxNative(c2, c3));
        var m1 = Vector512.MaxNative(Vector512.MaxNative(c4, c5), Vector512.MaxNative(c6, c7));
        var m2 = Vector512.MaxNative(Vector512.MaxNative(c8, c9), Vector512.MaxNative(c10, c11));
        var m3 = Vector512.MaxNative(Vector512.MaxNative(c12, c13), Vector512.MaxNative(c14, c15));
        var max = Vector512.MaxNative(Vector512.MaxNative(m0, m1), Vector512.MaxNative(m2, m3));
        if (Vector512.EqualsAny(max, Vector512.Create(float.NegativeInfinity))) return false;
        c0 = Exp(c0 - max); c1 = Exp(c1 - max); c2 = Exp(c2 - max); c3 = Exp(c3 - max);
        c4 = Exp(c4 - max); c5 = Exp(c5 - max); c6 = Exp(c6 - max); c7 = Exp(c7 - max);
        c8 = Exp(c8 - max); c9 = Exp(c9 - max); c10 = Exp(c10 - max); c11 = Exp(c11 - max);
        c12 = Exp(c12 - max); c13 = Exp(c13 - max); c14 = Exp(c14 - max); c15 = Exp(c15 - max);
        // Σ e in LaneSums512.Down's tree: rows j and j + 8, then 4 apart, then (r0 + r2) + (r1 + r3).
        var r0 = (c0 + c8) + (c4 + c12);
        var r1 = (c1 + c9) + (c5 + c13);
        var r2 = (c2 + c10) + (c6 + c14);
        var r3 = (c3 + c11) + (c7 + c15);
        var inverse = Vector512.Create(1f) / ((r0 + r2) + (r1 + r3));
        c0 *= inverse; c1 *= inverse; c2 *= inverse; c3 *= inverse; c4 *= inverse; c5 *= inverse; c6 *= inverse; c7 *= inverse;
        c8 *= inverse; c9 *= inverse; c10 *= inverse; c11 *= inverse; c12 *= inverse; c13 *= inverse; c14 *= inverse; c15 *= inverse;
        c0.Store(wt); c1.Store(wt + 16); c2.Store(wt + 32); c3.Store(wt + 48);
        c4.Store(wt + 64); c5.Store(wt + 80); c6.Store(wt + 96); c7.Store(wt + 112);
        c8.Store(wt + 128); c9.Store(wt + 144); c10.Store(wt + 160); c11.Store(wt + 176);
        c12.Store(wt + 192); c13.Store(wt + 208); c14.Store(wt + 224); c15.Store(wt + 240);
        if (stream)
        {
            Avx512F.StoreAlignedNonTemporal(w, c0); Avx512F.StoreAlignedNonTemporal(w + 16, c1);
            Avx512F.StoreAlignedNonTemporal(w + 32, c2); Avx512F.StoreAlignedNonTemporal(w + 48, c3);
            Avx512F.StoreAlignedNonTemporal(w + 64, c4); Avx512F.StoreAlignedNonTemporal(w + 80, c5);
            Avx512F.StoreAlignedNonTemporal(w + 96, c6); Avx512F.StoreAlignedNonTemporal(w + 112, c7);
            Avx512F.StoreAlignedNonTemporal(w + 128, c8); Avx512F.StoreAlignedNonTemporal(w + 144, c9);
            Avx512F.StoreAlignedNonTemporal(w + 160, c10); Avx512F.StoreAlignedNonTemporal(w + 176, c11);
            Avx512F.StoreAlignedNonTemporal(w + 192, c12); Avx512F.StoreAlignedNonTemporal(w + 208, c13);
            Avx512F.StoreAlignedNonTemporal(w + 224, c14); Avx512F.StoreAlignedNonTemporal(w + 240, c15);
            return true;
        }
        c0.Store(w); c1.Store(w + 16); c2.Store(w + 32); c3.Store(w + 48);
        c4.Store(w + 64); c5.Store(w + 80); c6.Store(w + 96); c7.Store(w + 112);
        c8.Store(w + 128); c9.Store(w + 144); c10.Store(w + 160); c11.Store(w + 176);
        c12.Store(w + 192); c13.Store(w + 208); c14.Store(w + 224); c15.Store(w + 240);
        return true;
    }

    /// <summary>
    /// ds = scale · w ⊙ (dw − Σ dw·w) per query step, key-major, with dwᵀ = v·dcᵀ summed here: <see cref="AttentionTiles512.SoftmaxGradient"/>
    /// at dv = 16, the same operations in the same order, each of its 16 steps also asking for one line of <paramref name="next"/>,
    /// <paramref name="next"/> + <paramref name="span"/> and + 2·span (rows <paramref name="ldv"/> apart; none when null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxGradient(float* v, nint ldv, float* dct, float* w, float scale, float* ds, float* next, nint span)
    {
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        Vector512<float> c8 = zero, c9 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero;
        nint a2 = 2 * ldv, a3 = 3 * ldv;
        float* a = v, a4 = v + 4 * ldv, a8 = v + 8 * ldv, a12 = v + 12 * ldv;
        for (int p = 0; p < Size; p++)
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
            dct += Size;
            if (next != null)
            {
                Sse.Prefetch0(next);
                Sse.Prefetch0(next + span);
                Sse.Prefetch0(next + 2 * span);
                next += ldv;
            }
        }
        // Σ_j dw·w in LaneSums512.Down's tree, each dw ⊙ w an FMA onto zero, as the tiles form it.
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
    /// C[i, j] = Σ_p A(i, p)·B[p·ldb + j] for 16 rows i and 16 columns j, overwriting C, with A(i, p) = a[i·ai + p·ap]:
    /// <see cref="AttentionTiles512.Product"/> at n = k = 16, without masks. Each of its 16 steps also asks for one line of
    /// <paramref name="next0"/> and of <paramref name="next1"/>, moving them on by their steps (none when null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows16(float* a, nint ai, nint ap, float* b, nint ldb, float* c, nint ldc, float* next0, nint step0, float* next1, nint step1)
    {
        var zero = Vector512<float>.Zero;
        Vector512<float> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        Vector512<float> c8 = zero, c9 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero;
        nint a2 = 2 * ai, a3 = 3 * ai;
        float* a4 = a + 4 * ai, a8 = a + 8 * ai, a12 = a + 12 * ai;
        for (int p = 0; p < Size; p++)
        {
            var bp = Vector512.Load(b);
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
            if (next0 != null)
            {
                Sse.Prefetch0(next0);
                next0 += step0;
            }
            if (next1 != null)
            {
                Sse.Prefetch0(next1);
                next1 += step1;
            }
        }
        c0.Store(c); c1.Store(c + ldc); c2.Store(c + 2 * ldc); c3.Store(c + 3 * ldc);
        c4.Store(c + 4 * ldc); c5.Store(c + 5 * ldc); c6.Store(c + 6 * ldc); c7.Store(c + 7 * ldc);
        c8.Store(c + 8 * ldc); c9.Store(c + 9 * ldc); c10.Store(c + 10 * ldc); c11.Store(c + 11 * ldc);
        c12.Store(c + 12 * ldc); c13.Store(c + 13 * ldc); c14.Store(c + 14 * ldc); c15.Store(c + 15 * ldc);
    }

    /// <summary>
    /// t[p·16 + r] = x[r·ldx + p] for 16 rows of 16: the four rounds of two-source permutes of
    /// <see cref="AttentionPairs512.Transpose(float*, nint, int, int, float*)"/> (round b: rows r and r + b, r &amp; b = 0,
    /// trade the lanes l &amp; b ≠ 0 of r against the lanes l &amp; b = 0 of r + b), with the permutes' lane indices as
    /// constants and no edges.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(float* x, nint ldx, float* t)
    {
        Vector512<float> r0 = Vector512.Load(x), r1 = Vector512.Load(x + ldx), r2 = Vector512.Load(x + 2 * ldx), r3 = Vector512.Load(x + 3 * ldx);
        x += 4 * ldx;
        Vector512<float> r4 = Vector512.Load(x), r5 = Vector512.Load(x + ldx), r6 = Vector512.Load(x + 2 * ldx), r7 = Vector512.Load(x + 3 * ldx);
        x += 4 * ldx;
        Vector512<float> r8 = Vector512.Load(x), r9 = Vector512.Load(x + ldx), r10 = Vector512.Load(x + 2 * ldx), r11 = Vector512.Load(x + 3 * ldx);
        x += 4 * ldx;
        Vector512<float> r12 = Vector512.Load(x), r13 = Vector512.Load(x + ldx), r14 = Vector512.Load(x + 2 * ldx), r15 = Vector512.Load(x + 3 * ldx);
        var lo = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        var hi = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        (r0, r8) = (P(r0, lo, r8), P(r0, hi, r8)); (r1, r9) = (P(r1, lo, r9), P(r1, hi, r9));
        (r2, r10) = (P(r2, lo, r10), P(r2, hi, r10)); (r3, r11) = (P(r3, lo, r11), P(r3, hi, r11));
        (r4, r12) = (P(r4, lo, r12), P(r4, hi, r12)); (r5, r13) = (P(r5, lo, r13), P(r5, hi, r13));
        (r6, r14) = (P(r6, lo, r14), P(r6, hi, r14)); (r7, r15) = (P(r7, lo, r15), P(r7, hi, r15));
        lo = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        hi = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        (r0, r4) = (P(r0, lo, r4), P(r0, hi, r4)); (r1, r5) = (P(r1, lo, r5), P(r1, hi, r5));
        (r2, r6) = (P(r2, lo, r6), P(r2, hi, r6)); (r3, r7) = (P(r3, lo, r7), P(r3, hi, r7));
        (r8, r12) = (P(r8, lo, r12), P(r8, hi, r12)); (r9, r13) = (P(r9, lo, r13), P(r9, hi, r13));
        (r10, r14) = (P(r10, lo, r14), P(r10, hi, r14)); (r11, r15) = (P(r11, lo, r15), P(r11, hi, r15));
        lo = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        hi = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        (r0, r2) = (P(r0, lo, r2), P(r0, hi, r2)); (r1, r3) = (P(r1, lo, r3), P(r1, hi, r3));
        (r4, r6) = (P(r4, lo, r6), P(r4, hi, r6)); (r5, r7) = (P(r5, lo, r7), P(r5, hi, r7));
        (r8, r10) = (P(r8, lo, r10), P(r8, hi, r10)); (r9, r11) = (P(r9, lo, r11), P(r9, hi, r11));
        (r12, r14) = (P(r12, lo, r14), P(r12, hi, r14)); (r13, r15) = (P(r13, lo, r15), P(r13, hi, r15));
        lo = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        hi = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        (r0, r1) = (P(r0, lo, r1), P(r0, hi, r1)); (r2, r3) = (P(r2, lo, r3), P(r2, hi, r3));
        (r4, r5) = (P(r4, lo, r5), P(r4, hi, r5)); (r6, r7) = (P(r6, lo, r7), P(r6, hi, r7));
        (r8, r9) = (P(r8, lo, r9), P(r8, hi, r9)); (r10, r11) = (P(r10, lo, r11), P(r10, hi, r11));
        (r12, r13) = (P(r12, lo, r13), P(r12, hi, r13)); (r14, r15) = (P(r14, lo, r15), P(r14, hi, r15));
        r0.Store(t); r1.Store(t + 16); r2.Store(t + 32); r3.Store(t + 48);
        r4.Store(t + 64); r5.Store(t + 80); r6.Store(t + 96); r7.Store(t + 112);
        r8.Store(t + 128); r9.Store(t + 144); r10.Store(t + 160); r11.Store(t + 176);
        r12.Store(t + 192); r13.Store(t + 208); r14.Store(t + 224); r15.Store(t + 240);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> P(Vector512<float> a, Vector512<int> indices, Vector512<float> b) => Avx512F.PermuteVar16x32x2(a, indices, b);

    /// <summary>
    /// <see cref="LaneMath.Exp{T}"/> at 512 bits, written with the vector operations themselves: sixteen of it in one method
    /// would exhaust the JIT's inlining budget through the generic lanes' helpers. The same operations, the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.MinNative(Vector512.Create(89f), Vector512.MaxNative(Vector512.Create(-104f), x));
        var n = Vector512.Floor(Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504088896341f), Vector512.Create(0.5f)));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var y = Vector512.FusedMultiplyAdd(Vector512.Create(1.9875691500e-4f), r, Vector512.Create(1.3981999507e-3f));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(8.3334519073e-3f));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(4.1665795894e-2f));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(1.6666665459e-1f));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(5.0000001201e-1f));
        var q = Vector512.FusedMultiplyAdd(y, r * r, r);
        return Avx512F.Scale(Vector512.Create(1f) + q, n);
    }
}

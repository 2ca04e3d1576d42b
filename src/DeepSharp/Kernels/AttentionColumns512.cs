using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// The softmax of one (sample, head) pair of self-attention with the scores held key-major: row j of a tile is key
/// step j's score with every query step i, one query step per lane, so a pair of at most 16 query and 16 key steps is
/// a column of at most 16 vectors. The softmax over the key steps of a query step is then a reduction down the column,
/// lane by lane: maxima, exponentials and sums of all query steps at once, without the horizontal reductions of a row
/// per query step whose latencies, one after the other, took most of a short pair's time.
/// <para>
/// Each lane computes what <see cref="AttentionPairs512.SoftmaxRow"/> and <see cref="AttentionPairs512.SoftmaxBackwardRow"/>
/// compute for its row, with the same operations on the same values, and sums over the key steps in the same tree
/// (<see cref="LaneSums512"/>), so both give the same bits. Scratch tiles have rows of 16 floats (<see cref="Lanes"/>).
/// </para>
/// </summary>
internal static unsafe class AttentionColumns512
{
    /// <summary>Floats per row of a key-major scratch tile, and the most query or key steps a pair may have here.</summary>
    internal const int Lanes = 16;

    /// <summary>
    /// w = softmax over the key steps of scale·s for each query step: the scores <paramref name="s"/> (tk rows of
    /// <see cref="Lanes"/>, lanes past tq ignored) become the weights <paramref name="w"/>, key-major (tk rows of tq).
    /// Masked pairs get 0: a key after the query step when <paramref name="causal"/>, and with
    /// <paramref name="allowed"/> a pair whose entry is 0, read at <c>allowed[j·Lanes + i]</c> when
    /// <paramref name="perQuery"/> (a transposed mask tile) and <c>allowed[j]</c> otherwise (a key padding mask). As the
    /// rows: a NaN score makes its query step's weights NaN, a query step with nothing to attend to gets zeros.
    /// <paramref name="s"/> is overwritten (it holds the exponentials on return); <paramref name="partials"/> is a scratch
    /// tile of 8 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Softmax(float* s, float* w, float* partials, int tq, int tk, float scale, float* allowed, bool perQuery, bool causal)
    {
        var zero = Vector512<float>.Zero;
        var lanes = GemmKernel512.ColumnMask(tq);
        var scaleVector = Vector512.Create(scale);
        var negativeInfinity = Vector512.Create(float.NegativeInfinity);
        var queryStep = Vector512<int>.Indices;
        var max = negativeInfinity;
        var nan = zero;
        // Scaled and masked scores in place; keys past tk are masked entries of every query step, as a short row's lanes are.
        for (int j = 0; j < Lanes; j++)
        {
            var x = negativeInfinity;
            if (j < tk)
            {
                var keep = Vector512<float>.AllBitsSet;
                if (causal) keep = Vector512.GreaterThanOrEqual(queryStep, Vector512.Create(j)).AsSingle();
                if (allowed != null)
                {
                    var a = perQuery ? Avx512F.MaskLoad(allowed + j * Lanes, lanes, zero) : Vector512.Create(allowed[j]);
                    keep &= ~Vector512.Equals(a, zero);
                }
                x = Vector512.ConditionalSelect(keep, Avx512F.MaskLoad(s + j * Lanes, lanes, zero) * scaleVector, negativeInfinity);
                max = Vector512.MaxNative(max, x);
                nan |= ~Vector512.Equals(x, x);
            }
            x.Store(s + j * Lanes);
        }
        for (int j = 0; j < Lanes; j++)
            Exp(Vector512.Load(s + j * Lanes) - max).Store(s + j * Lanes);        // masked: e^−∞ = 0
        var inverse = Vector512.Create(1f) / LaneSums512.Down(s, partials);
        // A query step with nothing to attend to (its maximum −∞) gets zeros, or NaN if a score was NaN (as e^(x − NaN)).
        var empty = Vector512.Equals(max, negativeInfinity) & ~nan;
        for (int j = 0; j < tk; j++)
        {
            var y = Vector512.ConditionalSelect(empty, zero, Vector512.Load(s + j * Lanes) * inverse);
            Avx512F.MaskStore(w + j * tq, lanes, y);
        }
    }

    /// <summary>
    /// ds = scale · w ⊙ (dw − Σ dw·w) per query step, key-major: <paramref name="w"/> tk rows of tq (the weights of
    /// <see cref="Softmax"/>), <paramref name="dw"/> and <paramref name="ds"/> tk rows of <see cref="Lanes"/>.
    /// <paramref name="products"/> is a scratch tile of 16 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SoftmaxBackward(float* w, float* dw, float* ds, float* products, int tq, int tk, float scale)
    {
        var zero = Vector512<float>.Zero;
        var lanes = GemmKernel512.ColumnMask(tq);
        for (int j = 0; j < Lanes; j++)
        {
            var p = j < tk ? Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(dw + j * Lanes, lanes, zero), Avx512F.MaskLoad(w + j * tq, lanes, zero), zero) : zero;
            p.Store(products + j * Lanes);
        }
        var total = LaneSums512.Down(products, products);
        var scaleVector = Vector512.Create(scale);
        for (int j = 0; j < tk; j++)
        {
            var d = (Avx512F.MaskLoad(dw + j * Lanes, lanes, zero) - total) * Avx512F.MaskLoad(w + j * tq, lanes, zero) * scaleVector;
            d.Store(ds + j * Lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x) => LaneMath.Exp(new Lanes512(x)).Vector;
}

using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- attention weights: w = softmax(scale·q·kᵀ) over the key steps, masked -------------------------
    // ds = scale · w ⊙ (dw − Σ dw·w) per row (masked entries have w = 0, so ds = 0 there); dq = ds·k, dk = dsᵀ·q.

    /// <summary>
    /// The weights of scaled dot-product attention: softmax over the key steps of <paramref name="scale"/>·q·kᵀ, for
    /// every sample and head, as batched GEMMs with a fused masked softmax. <paramref name="query"/> is
    /// (batch, query steps, heads, features) and <paramref name="key"/> (batch, key steps, heads, features), the layout
    /// of a projection reshaped per head (no head is transposed or copied); the weights are
    /// (batch, heads, query steps, key steps). Rank-3 operands (batch, steps, features) are one head, and give
    /// (batch, query steps, key steps).
    /// </summary>
    /// <param name="query">Queries, (batch, Tq, heads, dk) or (batch, Tq, dk).</param>
    /// <param name="key">Keys, (batch, Tk, heads, dk) or (batch, Tk, dk).</param>
    /// <param name="scale">Multiplies the scores before the softmax (1/√dk in a transformer).</param>
    /// <param name="mask">
    /// Which pairs may attend, nonzero for yes: (batch, Tq, Tk), or with 1 for the batch or the query steps to share
    /// it (a key padding mask is (batch, 1, Tk)); read in place, never broadcast. A query step that may attend to no key
    /// gets weights of zero.
    /// </param>
    /// <param name="causal">Also mask every key step after the query step (j &gt; i), as a decoder does.</param>
    public static Tensor AttentionWeights(Tensor query, Tensor key, float scale = 1f, Tensor? mask = null, bool causal = false)
    {
        var shape = AttentionShape("AttentionWeights", query, key, "key", keyIsValue: false);
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, $"AttentionWeights: scale must be finite; got {scale}.");
        var y = Tensor.Uninitialized(WeightsShape(shape, query.Rank == 4));
        var q = ContiguousOperand.Of(query);
        var k = ContiguousOperand.Of(key);
        var m = MaskOperand("AttentionWeights", mask, shape);
        AttentionKernel.Weights(q.Pointer, k.Pointer, y.Pointer, shape, scale, MaskView(m, shape, causal));
        ContiguousOperand.Release(q, query);
        ContiguousOperand.Release(k, key);
        if (m is not null) ContiguousOperand.Release(m, mask!);
        Node.Record("attention_weights", AttentionWeightsBackward, y, query, key)?.Save(new AttentionSaved(shape, scale));
        return y;
    }

    private readonly record struct AttentionSaved(AttentionKernel.Shape Shape, float Scale);

    private static void AttentionWeightsBackward(Node n, Tensor g)
    {
        Tensor query = n.A!, key = n.B!;
        var (shape, scale) = n.State<AttentionSaved>();
        var q = ContiguousOperand.Of(query);
        var k = ContiguousOperand.Of(key);
        var dw = ContiguousOperand.Of(g);
        var ds = Tensor.Uninitialized(n.Output._shape);
        var dq = query._requiresGrad ? GradientEngine.NewGradient(query) : null;
        var dk = key._requiresGrad ? GradientEngine.NewGradient(key) : null;
        AttentionKernel.WeightsBackward(q.Pointer, k.Pointer, n.Output.Pointer, dw.Pointer, ds.Pointer,
            dq is null ? null : dq.Pointer, dk is null ? null : dk.Pointer, shape, scale);
        ds.Recycle();
        ContiguousOperand.Release(q, query);
        ContiguousOperand.Release(k, key);
        ContiguousOperand.Release(dw, g);
        if (dq is not null) GradientEngine.Accumulate(query, dq);
        if (dk is not null) GradientEngine.Accumulate(key, dk);
    }

    // ---- masked softmax: y = softmax(x) over the last axis with masked entries left out; dx = y·(g − Σ g·y) --

    /// <summary>
    /// Softmax over the key steps of attention scores (batch, Tq, Tk) or (batch, heads, Tq, Tk), leaving out the pairs
    /// <paramref name="mask"/> and <paramref name="causal"/> exclude (as <see cref="AttentionWeights"/>): for scores
    /// computed otherwise (additive attention, a learned scale). Masked pairs get weight 0; a query step with nothing
    /// to attend to gets zeros.
    /// </summary>
    /// <param name="scores">The scores, (batch, Tq, Tk) or (batch, heads, Tq, Tk).</param>
    /// <param name="mask">Nonzero where a pair may attend: (batch, Tq, Tk), with 1 for the batch or Tq to share it.</param>
    /// <param name="causal">Also mask every key step after the query step.</param>
    public static Tensor MaskedSoftmax(Tensor scores, Tensor? mask = null, bool causal = false)
    {
        scores.ThrowIfDisposed();
        if (scores.Rank is not (3 or 4))
            throw new ArgumentException($"MaskedSoftmax: scores must be (batch, Tq, Tk) or (batch, heads, Tq, Tk); got {scores._shape}.", nameof(scores));
        bool heads = scores.Rank == 4;
        var shape = new AttentionKernel.Shape(scores._shape[0], heads ? scores._shape[1] : 1, scores._shape[-2], scores._shape[-1], 0, 0);
        var y = Tensor.Uninitialized(scores._shape);
        var x = ContiguousOperand.Of(scores);
        var m = MaskOperand("MaskedSoftmax", mask, shape);
        AttentionKernel.Softmax(x.Pointer, y.Pointer, shape, 1f, MaskView(m, shape, causal));
        ContiguousOperand.Release(x, scores);
        if (m is not null) ContiguousOperand.Release(m, mask!);
        Node.Record("masked_softmax", MaskedSoftmaxBackward, y, scores);
        return y;
    }

    private static void MaskedSoftmaxBackward(Node n, Tensor g)
    {
        var shape = n.Output._shape;
        var gradient = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(shape);
        SoftmaxKernel.Backward(n.Output.Pointer, gradient.Pointer, dx.Pointer, (int)(shape.Size / shape[-1]), shape[-1], 1, log: false);
        ContiguousOperand.Release(gradient, g);
        GradientEngine.Accumulate(n.A!, dx);
    }

    // ---- attention context: c = w·v per sample and head; dw = dc·vᵀ, dv = wᵀ·dc ---------------------------

    /// <summary>
    /// The weighted sum of the value steps: <paramref name="weights"/> (batch, heads, Tq, Tk) times
    /// <paramref name="value"/> (batch, Tk, heads, dv) for every sample and head, written as (batch, Tq, heads, dv), the
    /// layout the output projection reads as (batch, Tq, heads·dv). One head: (batch, Tq, Tk) by (batch, Tk, dv).
    /// </summary>
    /// <param name="weights">Attention weights, (batch, heads, Tq, Tk) or (batch, Tq, Tk).</param>
    /// <param name="value">Values, (batch, Tk, heads, dv) or (batch, Tk, dv).</param>
    public static Tensor AttentionContext(Tensor weights, Tensor value)
    {
        weights.ThrowIfDisposed();
        value.ThrowIfDisposed();
        bool heads = value.Rank == 4;
        if (value.Rank is not (3 or 4) || weights.Rank != value.Rank)
            throw new ArgumentException(
                $"AttentionContext: weights (batch, heads, Tq, Tk) go with value (batch, Tk, heads, dv), or (batch, Tq, Tk) with (batch, Tk, dv); got {weights._shape} and {value._shape}.");
        int batch = value._shape[0], tk = value._shape[1], h = heads ? value._shape[2] : 1, dv = value._shape[-1];
        int tq = weights._shape[-2];
        if (weights._shape[0] != batch || (heads && weights._shape[1] != h) || weights._shape[-1] != tk)
            throw new ArgumentException(
                $"AttentionContext: weights {weights._shape} do not fit value {value._shape}: expected (batch {batch}{(heads ? $", heads {h}" : "")}, Tq, Tk {tk}).");
        var shape = new AttentionKernel.Shape(batch, h, tq, tk, 0, dv);
        var y = Tensor.Uninitialized(heads ? new TensorShape(batch, tq, h, dv) : new TensorShape(batch, tq, dv));
        var w = ContiguousOperand.Of(weights);
        var v = ContiguousOperand.Of(value);
        AttentionKernel.Context(w.Pointer, v.Pointer, y.Pointer, shape);
        ContiguousOperand.Release(w, weights);
        ContiguousOperand.Release(v, value);
        Node.Record("attention_context", AttentionContextBackward, y, weights, value)?.Save(new AttentionSaved(shape, 1f));
        return y;
    }

    private static void AttentionContextBackward(Node n, Tensor g)
    {
        Tensor weights = n.A!, value = n.B!;
        var shape = n.State<AttentionSaved>().Shape;
        var w = ContiguousOperand.Of(weights);
        var v = ContiguousOperand.Of(value);
        var dc = ContiguousOperand.Of(g);
        var dw = weights._requiresGrad ? GradientEngine.NewGradient(weights) : null;
        var dv = value._requiresGrad ? GradientEngine.NewGradient(value) : null;
        AttentionKernel.ContextBackward(w.Pointer, v.Pointer, dc.Pointer, dw is null ? null : dw.Pointer, dv is null ? null : dv.Pointer, shape);
        ContiguousOperand.Release(w, weights);
        ContiguousOperand.Release(v, value);
        ContiguousOperand.Release(dc, g);
        if (dw is not null) GradientEngine.Accumulate(weights, dw);
        if (dv is not null) GradientEngine.Accumulate(value, dv);
    }

    // ---- self-attention from packed projections: c = softmax(scale·q·kᵀ)·v per sample and head --------------------
    // The two ops above in one: dw = dc·vᵀ, dv = wᵀ·dc, then ds, dq = ds·k, dk = dsᵀ·q, into one gradient of the packed tensor.

    /// <summary>
    /// Self-attention straight from packed projections <paramref name="qkv"/> (batch, steps, heads·(2·keyDim + dv)): per
    /// step, q, k and v are its features [0, heads·keyDim), [heads·keyDim, 2·heads·keyDim) and the rest, each
    /// (heads, features) as <see cref="AttentionWeights"/> reads them. Returns the context (batch, steps, heads, dv), the
    /// values of <c>AttentionContext(AttentionWeights(q, k, scale, mask, causal), v)</c>; each (sample, head) pair's
    /// weights stay in cache between the two products, and backward writes the gradients of q, k and v into one tensor
    /// (three projections that are one product then take one product back). The weights are kept for backward.
    /// </summary>
    internal static Tensor SelfAttention(Tensor qkv, int heads, int keyDim, float scale, Tensor? mask = null, bool causal = false)
    {
        qkv.ThrowIfDisposed();
        int packed = qkv.Rank == 3 ? qkv._shape[2] : 0, valueDim = heads > 0 ? (packed - 2 * heads * keyDim) / heads : 0;
        if (qkv.Rank != 3 || heads <= 0 || keyDim <= 0 || valueDim <= 0 || packed != heads * (2 * keyDim + valueDim))
            throw new ArgumentException(
                $"SelfAttention: qkv must be (batch, steps, heads·(2·keyDim + valueDim)) with {heads} heads of {keyDim} key features; got {qkv._shape}.", nameof(qkv));
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, $"SelfAttention: scale must be finite; got {scale}.");
        int batch = qkv._shape[0], steps = qkv._shape[1];
        var shape = new AttentionKernel.Shape(batch, heads, steps, steps, keyDim, valueDim);
        var y = Tensor.Uninitialized(new TensorShape(batch, steps, heads, valueDim));
        var weights = Tensor.Uninitialized(WeightsShape(shape, heads: true));
        var x = ContiguousOperand.Of(qkv);
        var m = MaskOperand("SelfAttention", mask, shape);
        bool keyMajor = AttentionKernel.SelfAttention(x.Pointer, packed, weights.Pointer, y.Pointer, shape, scale, MaskView(m, shape, causal));
        ContiguousOperand.Release(x, qkv);
        if (m is not null) ContiguousOperand.Release(m, mask!);
        var node = Node.Record("self_attention", SelfAttentionBackward, y, qkv);
        if (node is null) weights.Recycle();
        else
        {
            node.Save(new SelfAttentionSaved(shape, scale, keyMajor));
            node.Keep(weights);
        }
        return y;
    }

    /// <summary>What self-attention's backward needs: the sizes, the scale and whether the kept weights are key-major.</summary>
    private readonly record struct SelfAttentionSaved(AttentionKernel.Shape Shape, float Scale, bool KeyMajorWeights);

    private static void SelfAttentionBackward(Node n, Tensor g)
    {
        Tensor qkv = n.A!;
        var (shape, scale, keyMajor) = n.State<SelfAttentionSaved>();
        var x = ContiguousOperand.Of(qkv);
        var dc = ContiguousOperand.Of(g);
        var dqkv = GradientEngine.NewGradient(qkv);
        AttentionKernel.SelfAttentionBackward(x.Pointer, qkv._shape[2], n.Kept.First!.Pointer, keyMajor, dc.Pointer, dqkv.Pointer, shape, scale);
        ContiguousOperand.Release(x, qkv);
        ContiguousOperand.Release(dc, g);
        GradientEngine.Accumulate(qkv, dqkv);
    }

    /// <summary>Checks query against key (or weights against value) and returns the problem's sizes.</summary>
    private static AttentionKernel.Shape AttentionShape(string op, Tensor query, Tensor key, string keyName, bool keyIsValue)
    {
        query.ThrowIfDisposed();
        key.ThrowIfDisposed();
        if (query.Rank is not (3 or 4) || key.Rank != query.Rank)
            throw new ArgumentException(
                $"{op}: query and {keyName} must both be (batch, steps, heads, features) or both (batch, steps, features); got {query._shape} and {key._shape}.");
        bool heads = query.Rank == 4;
        int batch = query._shape[0], h = heads ? query._shape[2] : 1, d = query._shape[-1];
        if (key._shape[0] != batch || (heads && key._shape[2] != h) || (!keyIsValue && key._shape[-1] != d))
            throw new ArgumentException(
                $"{op}: query {query._shape} and {keyName} {key._shape} need the same batch{(heads ? ", heads" : "")} and features.");
        return new AttentionKernel.Shape(batch, h, query._shape[1], key._shape[1], d, 0);
    }

    private static TensorShape WeightsShape(in AttentionKernel.Shape s, bool heads) =>
        heads ? new TensorShape(s.Batch, s.Heads, s.QuerySteps, s.KeySteps) : new TensorShape(s.Batch, s.QuerySteps, s.KeySteps);

    /// <summary>The mask, contiguous, after checking that it is (batch or 1, Tq or 1, Tk); null without one.</summary>
    private static Tensor? MaskOperand(string op, Tensor? mask, in AttentionKernel.Shape s)
    {
        if (mask is null) return null;
        mask.ThrowIfDisposed();
        if (mask.Rank != 3 || (mask._shape[0] != s.Batch && mask._shape[0] != 1) || (mask._shape[1] != s.QuerySteps && mask._shape[1] != 1)
            || mask._shape[2] != s.KeySteps)
            throw new ArgumentException(
                $"{op}: the mask must be (batch {s.Batch} or 1, query steps {s.QuerySteps} or 1, key steps {s.KeySteps}); got {mask._shape}.", nameof(mask));
        return ContiguousOperand.Of(mask);
    }

    private static AttentionMask MaskView(Tensor? mask, in AttentionKernel.Shape s, bool causal) => mask is null
        ? new AttentionMask { Causal = causal }
        : new AttentionMask
        {
            Data = mask.Pointer,
            BatchStride = mask._shape[0] == 1 ? 0 : (long)mask._shape[1] * mask._shape[2],
            RowStride = mask._shape[1] == 1 ? 0 : mask._shape[2],
            Causal = causal,
        };
}

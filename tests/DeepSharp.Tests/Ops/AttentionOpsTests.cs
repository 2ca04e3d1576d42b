using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

public class AttentionOpsTests
{
    /// <summary>The same weights from the general ops: heads moved forward, q·kᵀ, scale, softmax.</summary>
    private static Tensor ComposedWeights(Tensor q, Tensor k, float scale)
    {
        var qh = DeepSharp.Ops.Permute(q, 0, 2, 1, 3);
        var kh = DeepSharp.Ops.Permute(k, 0, 2, 3, 1);
        return DeepSharp.Ops.Softmax(DeepSharp.Ops.Multiply(DeepSharp.Ops.MatMul(qh, kh), scale), axis: -1);
    }

    [Fact]
    public void Weights_and_context_match_the_composed_ops_in_the_heads_layout()
    {
        var q = OpAssert.Random(1, -2f, 2f, 2, 5, 3, 4);
        var k = OpAssert.Random(2, -2f, 2f, 2, 7, 3, 4);
        var v = OpAssert.Random(3, -2f, 2f, 2, 7, 3, 6);
        var w = DeepSharp.Ops.AttentionWeights(q, k, 0.5f);
        Assert.Equal(new TensorShape(2, 3, 5, 7), w.Shape);
        OpAssert.Close(ComposedWeights(q, k, 0.5f).ToArray(), w.ToArray());
        var context = DeepSharp.Ops.AttentionContext(w, v);
        Assert.Equal(new TensorShape(2, 5, 3, 6), context.Shape);
        var expected = DeepSharp.Ops.Permute(DeepSharp.Ops.MatMul(w, DeepSharp.Ops.Permute(v, 0, 2, 1, 3)), 0, 2, 1, 3);
        OpAssert.Close(expected.ToArray(), context.ToArray(), relative: 1e-5, absolute: 1e-6);
    }

    [Fact]
    public void Gradient_checks_with_heads_masks_and_causality()
    {
        var q = OpAssert.Random(4, -1f, 1f, 2, 4, 2, 3);
        var k = OpAssert.Random(5, -1f, 1f, 2, 5, 2, 3);
        var v = OpAssert.Random(6, -1f, 1f, 2, 5, 2, 2);
        var mask = Tensor.FromArray([1, 1, 0, 1, 1, 0, 1, 1, 1, 1], 2, 1, 5);
        OpAssert.GradientChecks(t => DeepSharp.Ops.AttentionContext(DeepSharp.Ops.AttentionWeights(t[0], t[1], 0.7f, mask), t[2]), q, k, v);
        OpAssert.GradientChecks(t => DeepSharp.Ops.AttentionContext(DeepSharp.Ops.AttentionWeights(t[0], t[1], causal: true), t[2]), q, k, v);
        var scores = OpAssert.Random(7, -2f, 2f, 2, 4, 5);
        OpAssert.GradientChecks(t => DeepSharp.Ops.MaskedSoftmax(t[0], mask, causal: true), scores);
        // One head as rank 3: (batch, steps, features).
        var q3 = OpAssert.Random(8, -1f, 1f, 2, 4, 3);
        var k3 = OpAssert.Random(9, -1f, 1f, 2, 5, 3);
        OpAssert.GradientChecks(t => DeepSharp.Ops.AttentionContext(DeepSharp.Ops.AttentionWeights(t[0], t[1]), t[1]), q3, k3);
    }

    [Fact]
    public void Masked_pairs_get_zero_weight_and_a_fully_masked_row_gets_zeros_not_nan()
    {
        // Sample 0 may attend to keys 0 and 2 only; sample 1's query 1 to nothing at all.
        var mask = Tensor.FromArray([1, 0, 1, 1, 0, 1, /* sample 1 */ 1, 1, 1, 0, 0, 0], 2, 2, 3);
        var q = OpAssert.Random(10, -1f, 1f, 2, 2, 2, 4);
        var k = OpAssert.Random(11, -1f, 1f, 2, 3, 2, 4);
        var w = DeepSharp.Ops.AttentionWeights(q, k, 1f, mask).ToArray(); // (2, heads 2, 2, 3)
        Assert.All(w, x => Assert.False(float.IsNaN(x)));
        for (int head = 0; head < 2; head++)
        {
            int s0 = head * 6, s1 = 12 + head * 6;
            Assert.Equal(0f, w[s0 + 1]);
            Assert.Equal(0f, w[s0 + 4]);
            Assert.Equal(1f, w[s0] + w[s0 + 2], 5);
            Assert.Equal(1f, w[s1] + w[s1 + 1] + w[s1 + 2], 5);
            Assert.Equal([0f, 0f, 0f], w[(s1 + 3)..(s1 + 6)]);
        }
        // The gradient through a fully masked row is zero, not NaN.
        var scores = Tensor.FromArray([3, 1, 2, 5, 4, 6], 1, 2, 3).WithRequiresGrad();
        var rowMask = Tensor.FromArray([1, 1, 0, 0, 0, 0], 1, 2, 3);
        var y = DeepSharp.Ops.MaskedSoftmax(scores, rowMask);
        Assert.Equal([0f, 0f, 0f, 0f], y.ToArray()[2..]);
        DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, Tensor.FromArray([1, 2, 3, 4, 5, 6], 1, 2, 3))).Backward();
        Assert.Equal([0f, 0f, 0f, 0f], scores.Grad!.ToArray()[2..]);
        Assert.All(scores.Grad!.ToArray(), x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void Huge_scores_do_not_overflow_and_causal_weights_ignore_later_steps()
    {
        var scores = Tensor.FromArray([1e30f, 1e30f, -1e30f, 3e38f, 0f, -3e38f], 1, 2, 3);
        var y = DeepSharp.Ops.MaskedSoftmax(scores).ToArray();
        OpAssert.Close([0.5f, 0.5f, 0f, 1f, 0f, 0f], y);
        var q = OpAssert.Random(12, -1f, 1f, 1, 4, 1, 2);
        var w = DeepSharp.Ops.AttentionWeights(q, q, causal: true).ToArray();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                if (j > i) Assert.Equal(0f, w[i * 4 + j]);
        Assert.Equal(1f, w[0]);
    }

    [Fact]
    public void A_shared_mask_is_read_in_place_as_its_broadcast_would_be()
    {
        var q = OpAssert.Random(13, -1f, 1f, 3, 4, 2, 3);
        var k = OpAssert.Random(14, -1f, 1f, 3, 5, 2, 3);
        var keyMask = Tensor.FromArray([1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0], 3, 1, 5);
        var full = DeepSharp.Ops.Contiguous(DeepSharp.Ops.Expand(keyMask, 3, 4, 5));
        Assert.Equal(DeepSharp.Ops.AttentionWeights(q, k, 1f, full).ToArray(), DeepSharp.Ops.AttentionWeights(q, k, 1f, keyMask).ToArray());
        var shared = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i % 3 == 0 ? 0 : 1)).ToArray(), 1, 4, 5);
        var perSample = DeepSharp.Ops.Contiguous(DeepSharp.Ops.Expand(shared, 3, 4, 5));
        Assert.Equal(DeepSharp.Ops.AttentionWeights(q, k, 1f, perSample).ToArray(), DeepSharp.Ops.AttentionWeights(q, k, 1f, shared).ToArray());
    }

    [Fact]
    public void Bad_operands_are_refused_with_their_shapes()
    {
        var q = Tensor.Ones(2, 4, 3);
        var e = Assert.Throws<ArgumentException>(() => DeepSharp.Ops.AttentionWeights(q, Tensor.Ones(2, 5, 4)));
        Assert.Contains("(2, 5, 4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => DeepSharp.Ops.AttentionWeights(q, Tensor.Ones(2, 5, 3), mask: Tensor.Ones(2, 4, 4)));
        Assert.Contains("key steps 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => DeepSharp.Ops.AttentionContext(Tensor.Ones(2, 4, 6), Tensor.Ones(2, 5, 3)));
        Assert.Contains("Tk 5", e.Message);
    }

    [Fact]
    public void Results_have_the_same_bits_at_any_thread_count()
    {
        ThreadCounts.SameBits("attention", () =>
        {
            var q = OpAssert.Random(15, -1f, 1f, 16, 9, 4, 8);
            var k = OpAssert.Random(16, -1f, 1f, 16, 9, 4, 8);
            var v = OpAssert.Random(17, -1f, 1f, 16, 9, 4, 8);
            var y = DeepSharp.Ops.AttentionContext(DeepSharp.Ops.AttentionWeights(q, k, 0.35f, causal: true), v);
            DeepSharp.Ops.Sum(DeepSharp.Ops.Square(y)).Backward();
            return [y.ToArray(), q.Grad!.ToArray(), k.Grad!.ToArray(), v.Grad!.ToArray()];
        });
    }
}

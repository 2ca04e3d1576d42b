using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

/// <summary>
/// Self-attention from packed projections against the two ops it joins (weights, then context) on q, k and v cut out
/// of the same tensor: forward and backward, with the AVX-512 pair kernels and the reference path, masks and
/// causality, odd sizes, one sample and many, at several thread counts.
/// </summary>
public class SelfAttentionOpsTests
{
    public static TheoryData<int, int, int, int, int, bool> Shapes => new()
    {
        // batch, heads, steps, dk, dv, causal
        { 1, 1, 1, 1, 1, false },
        { 128, 4, 16, 16, 16, false },   // the vit example's attention
        { 3, 3, 5, 3, 6, true },
        { 2, 2, 17, 20, 5, false },      // rows one past a vector, features past one
        { 5, 1, 33, 8, 33, true },
    };

    /// <summary>The context and the gradient of the packed tensor, through the fused op or through the two ops on slices.</summary>
    private static float[][] Run(bool fused, int batch, int heads, int steps, int dk, int dv, Tensor? mask, bool causal)
    {
        int width = heads * (2 * dk + dv);
        var qkv = OpAssert.Random(31, -2f, 2f, batch, steps, width);
        var upstream = OpAssert.Random(32, -1f, 1f, batch, steps, heads, dv);
        Tensor context;
        if (fused) context = global::DeepSharp.Ops.SelfAttention(qkv, heads, dk, 0.37f, mask, causal);
        else
        {
            Tensor Part(int start, int length, int features) =>
                global::DeepSharp.Ops.Reshape(global::DeepSharp.Ops.Slice(qkv, 2, start, start + length), batch, steps, heads, features);
            var q = Part(0, heads * dk, dk);
            var k = Part(heads * dk, heads * dk, dk);
            var v = Part(2 * heads * dk, heads * dv, dv);
            context = global::DeepSharp.Ops.AttentionContext(global::DeepSharp.Ops.AttentionWeights(q, k, 0.37f, mask, causal), v);
        }
        global::DeepSharp.Ops.Sum(global::DeepSharp.Ops.Multiply(context, upstream)).Backward();
        return [context.ToArray(), qkv.Grad!.ToArray()];
    }

    private static void Compare(bool pairKernels, int batch, int heads, int steps, int dk, int dv, Tensor? mask, bool causal)
    {
        bool saved = AttentionKernel.PairKernels;
        AttentionKernel.PairKernels = pairKernels;
        try
        {
            // The same products and softmax per pair, in the same order: the same bits.
            var separate = Run(false, batch, heads, steps, dk, dv, mask, causal);
            var fused = Run(true, batch, heads, steps, dk, dv, mask, causal);
            ThreadCounts.Identical($"self-attention {batch}x{heads}x{steps}x{dk}x{dv}", separate, fused);
        }
        finally
        {
            AttentionKernel.PairKernels = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_weights_then_context_with_the_pair_kernels(int batch, int heads, int steps, int dk, int dv, bool causal) =>
        Compare(true, batch, heads, steps, dk, dv, null, causal);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_weights_then_context_on_the_reference_path(int batch, int heads, int steps, int dk, int dv, bool causal) =>
        Compare(false, batch, heads, steps, dk, dv, null, causal);

    [Fact]
    public void Matches_with_a_mask()
    {
        // Sample 0's query 2 may attend to nothing; a key padding mask for sample 1.
        var mask = Tensor.FromArray([1, 0, 1, 1, 1, 1, 0, 0, 0, /* sample 1 */ 1, 1, 0, 1, 1, 0, 1, 1, 0], 2, 3, 3);
        Compare(true, 2, 2, 3, 4, 4, mask, causal: false);
        Compare(false, 2, 2, 3, 4, 4, mask, causal: true);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Has_the_same_bits_at_any_thread_count(int batch, int heads, int steps, int dk, int dv, bool causal) =>
        ThreadCounts.SameBits($"self-attention {batch}x{heads}x{steps}", () => Run(true, batch, heads, steps, dk, dv, null, causal));

    [Fact]
    public void Passes_the_gradient_check_and_refuses_a_packed_width_that_does_not_fit()
    {
        var qkv = OpAssert.Random(3, -1f, 1f, 2, 4, 2 * (2 * 3 + 2));
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.SelfAttention(t[0], 2, 3, 0.6f, causal: true), qkv);
        var wrong = OpAssert.Random(4, -1f, 1f, 2, 4, 11);
        var e = Assert.Throws<ArgumentException>(() => global::DeepSharp.Ops.SelfAttention(wrong, 2, 3, 1f));
        Assert.Contains("(2, 4, 11)", e.Message);
    }
}

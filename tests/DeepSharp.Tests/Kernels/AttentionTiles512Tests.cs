using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Self-attention with each 16 × 16 product kept in registers through the softmax and its gradient
/// (<see cref="AttentionTiles512"/>, <see cref="AttentionKernel.Tiles"/>) against the same op on the key-major pair path
/// (<see cref="AttentionColumns512"/>): the same bits forward and backward, with and without the weights' non-temporal
/// stores, features short of a vector and past one, masks and causality, a query step whose scores are all −∞, and at
/// any thread count. Shapes the tiles do not take (other than 16 steps) run the pair path on both sides.
/// </summary>
public class AttentionTiles512Tests
{
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // batch, heads, steps, dk, dv
        { 128, 4, 16, 16, 16 },   // the vit example's attention
        { 3, 2, 16, 20, 3 },      // key features past a vector, few value features
        { 2, 1, 16, 33, 17 },     // both past a vector
        { 5, 3, 16, 5, 9 },
        { 1, 1, 16, 1, 1 },
        { 2, 2, 15, 16, 16 },     // not taken by the tiles: the pair path on both sides
    };

    /// <summary>
    /// The context and the gradient of the packed tensor with the given switches; <paramref name="tilesInBackward"/> sets
    /// <see cref="AttentionKernel.Tiles"/> again between forward and backward.
    /// </summary>
    private static float[][] Run(bool tiles, bool stream, Tensor qkv, Tensor upstream, int heads, int dk, Tensor? mask, bool causal,
        bool? tilesInBackward = null)
    {
        using var t = new Setting<bool>(() => AttentionKernel.Tiles, on => AttentionKernel.Tiles = on, tiles);
        using var s = new Setting<bool>(() => AttentionKernel.StreamWeights, on => AttentionKernel.StreamWeights = on, stream);
        var x = Tensor.FromArray(qkv.ToArray(), qkv.Shape.ToArray()).WithRequiresGrad();
        var context = global::DeepSharp.Ops.SelfAttention(x, heads, dk, 0.31f, mask, causal);
        var loss = global::DeepSharp.Ops.Sum(global::DeepSharp.Ops.Multiply(context, upstream));
        if (tilesInBackward is bool inBackward) AttentionKernel.Tiles = inBackward;
        loss.Backward();
        return [context.ToArray(), x.Grad!.ToArray()];
    }

    private static void Compare(string what, Tensor qkv, int heads, int dk, int dv, Tensor? mask, bool causal)
    {
        var upstream = OpAssert.Random(72, -1f, 1f, qkv.Shape[0], qkv.Shape[1], heads, dv);
        var pairs = Run(false, false, qkv, upstream, heads, dk, mask, causal);
        ThreadCounts.Identical($"{what}, tiles", pairs, Run(true, true, qkv, upstream, heads, dk, mask, causal));
        ThreadCounts.Identical($"{what}, tiles without streaming", pairs, Run(true, false, qkv, upstream, heads, dk, mask, causal));
        // Weights from the tiles, backward on the pair path, and the other way round.
        ThreadCounts.Identical($"{what}, tiles forward only", pairs, Run(true, true, qkv, upstream, heads, dk, mask, causal, tilesInBackward: false));
        ThreadCounts.Identical($"{what}, tiles backward only", pairs, Run(false, false, qkv, upstream, heads, dk, mask, causal, tilesInBackward: true));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Give_the_bits_of_the_pair_path(int batch, int heads, int steps, int dk, int dv)
    {
        var qkv = OpAssert.Random(71, -2f, 2f, batch, steps, heads * (2 * dk + dv));
        var padding = new float[batch * steps];
        for (int i = 0; i < padding.Length; i++) padding[i] = i % steps == steps - 1 && i / steps % 2 == 1 ? 0f : 1f;
        foreach (var mask in new[] { null, Tensor.FromArray(padding, batch, 1, steps) })
            foreach (bool causal in new[] { false, true })
                Compare($"self-attention {batch}x{heads}x{steps}x{dk}x{dv}{(mask is null ? "" : ", mask")}{(causal ? ", causal" : "")}",
                    qkv, heads, dk, dv, mask, causal);
    }

    [Fact]
    public void Give_the_bits_of_the_pair_path_where_a_query_step_has_only_infinite_scores()
    {
        // Sample 0, head 0: query step 3's scores overflow to −∞ with every key, so its maximum is −∞ (weights of zero).
        const int batch = 2, heads = 2, steps = 16, dk = 16, dv = 16, width = heads * (2 * dk + dv);
        var values = OpAssert.Random(73, -2f, 2f, batch, steps, width).ToArray();
        for (int p = 0; p < dk; p++)
        {
            values[3 * width + p] = 1e30f;
            for (int j = 0; j < steps; j++) values[j * width + heads * dk + p] = -1e30f;
        }
        var qkv = Tensor.FromArray(values, batch, steps, width);
        Compare("self-attention with a row of −∞ scores", qkv, heads, dk, dv, null, causal: false);
        Compare("self-attention with a row of −∞ scores, causal", qkv, heads, dk, dv, null, causal: true);
    }

    [Fact]
    public void Have_the_same_bits_at_any_thread_count()
    {
        var qkv = OpAssert.Random(74, -2f, 2f, 9, 16, 4 * 48);
        var upstream = OpAssert.Random(75, -1f, 1f, 9, 16, 4, 16);
        ThreadCounts.SameBits("self-attention in tiles", () => Run(true, true, qkv, upstream, 4, 16, null, causal: false));
    }

    [Fact]
    public void Take_only_pairs_of_sixteen_steps_without_a_mask_tensor()
    {
        using var t = new Setting<bool>(() => AttentionKernel.Tiles, on => AttentionKernel.Tiles = on, true);
        var vit = new AttentionKernel.Shape(128, 4, 16, 16, 16, 16);
        Assert.Equal(AttentionKernel.KeyMajorWeights(vit), AttentionKernel.TakesTiles(vit, masked: false));
        Assert.Equal(Simd.Level == SimdLevel.Vector512 && AttentionKernel.PairKernels && AttentionKernel.ColumnSoftmax,
            AttentionKernel.TakesTiles(vit, masked: false));
        Assert.False(AttentionKernel.TakesTiles(vit, masked: true));
        Assert.False(AttentionKernel.TakesTiles(new AttentionKernel.Shape(128, 4, 15, 15, 16, 16), masked: false));
        Assert.False(AttentionKernel.TakesTiles(new AttentionKernel.Shape(128, 4, 17, 17, 16, 16), masked: false));
        AttentionKernel.Tiles = false;
        Assert.False(AttentionKernel.TakesTiles(vit, masked: false));
    }
}

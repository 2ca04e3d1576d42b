using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Self-attention taken a whole sample at a time (<see cref="AttentionSamples512"/>, <see cref="AttentionKernel.Samples"/>)
/// against the same op pair by pair in 16 × 16 tiles (<see cref="AttentionTiles512"/>): the same bits forward and backward,
/// with and without the weights' non-temporal stores and the prefetch, causality, a query step whose scores are all −∞, a
/// key padding mask (forward then takes the pair path, backward the samples), and at any thread count. Shapes the samples
/// do not take (features other than 16, other step counts) run the pair path on both sides.
/// </summary>
public class AttentionSamples512Tests
{
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // batch, heads, steps, dk, dv
        { 128, 4, 16, 16, 16 },   // the vit example's attention
        { 3, 2, 16, 16, 16 },
        { 1, 1, 16, 16, 16 },
        { 7, 5, 16, 16, 16 },     // samples that do not split evenly over the threads
        { 3, 2, 16, 20, 16 },     // not taken by the samples: the tiles on both sides
        { 2, 2, 15, 16, 16 },     // nor this: the column pairs on both sides
    };

    /// <summary>
    /// The context and the gradient of the packed tensor with the given switches; <paramref name="samplesInBackward"/> sets
    /// <see cref="AttentionKernel.Samples"/> again between forward and backward.
    /// </summary>
    private static float[][] Run(bool samples, bool stream, bool prefetch, Tensor qkv, Tensor upstream, int heads, int dk, Tensor? mask, bool causal,
        bool? samplesInBackward = null)
    {
        using var on = new Setting<bool>(() => AttentionKernel.Samples, value => AttentionKernel.Samples = value, samples);
        using var s = new Setting<bool>(() => AttentionKernel.StreamWeights, value => AttentionKernel.StreamWeights = value, stream);
        using var p = new Setting<bool>(() => AttentionKernel.PrefetchNextSample, value => AttentionKernel.PrefetchNextSample = value, prefetch);
        var x = Tensor.FromArray(qkv.ToArray(), qkv.Shape.ToArray()).WithRequiresGrad();
        var context = global::DeepSharp.Ops.SelfAttention(x, heads, dk, 0.29f, mask, causal);
        var loss = global::DeepSharp.Ops.Sum(global::DeepSharp.Ops.Multiply(context, upstream));
        if (samplesInBackward is bool inBackward) AttentionKernel.Samples = inBackward;
        loss.Backward();
        return [context.ToArray(), x.Grad!.ToArray()];
    }

    private static void Compare(string what, Tensor qkv, int heads, int dk, int dv, Tensor? mask, bool causal)
    {
        var upstream = OpAssert.Random(92, -1f, 1f, qkv.Shape[0], qkv.Shape[1], heads, dv);
        var pairs = Run(false, true, true, qkv, upstream, heads, dk, mask, causal);
        ThreadCounts.Identical($"{what}, samples", pairs, Run(true, true, true, qkv, upstream, heads, dk, mask, causal));
        ThreadCounts.Identical($"{what}, samples without streaming", pairs, Run(true, false, true, qkv, upstream, heads, dk, mask, causal));
        ThreadCounts.Identical($"{what}, samples without prefetch", pairs, Run(true, true, false, qkv, upstream, heads, dk, mask, causal));
        ThreadCounts.Identical($"{what}, samples forward only", pairs, Run(true, true, true, qkv, upstream, heads, dk, mask, causal, samplesInBackward: false));
        ThreadCounts.Identical($"{what}, samples backward only", pairs, Run(false, true, true, qkv, upstream, heads, dk, mask, causal, samplesInBackward: true));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Give_the_bits_of_the_pair_path(int batch, int heads, int steps, int dk, int dv)
    {
        var qkv = OpAssert.Random(91, -2f, 2f, batch, steps, heads * (2 * dk + dv));
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
        // Sample 0, head 0: query step 3's scores overflow to −∞ with every key, so its maximum is −∞ (weights of zero);
        // the other pairs of the sample, and sample 1, take the samples' own path around it.
        const int batch = 2, heads = 2, steps = 16, dk = 16, dv = 16, width = heads * (2 * dk + dv);
        var values = OpAssert.Random(93, -2f, 2f, batch, steps, width).ToArray();
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
        var qkv = OpAssert.Random(94, -2f, 2f, 11, 16, 4 * 48);
        var upstream = OpAssert.Random(95, -1f, 1f, 11, 16, 4, 16);
        ThreadCounts.SameBits("self-attention by samples", () => Run(true, true, true, qkv, upstream, 4, 16, null, causal: false));
    }

    [Fact]
    public void Pass_the_gradient_check()
    {
        using var on = new Setting<bool>(() => AttentionKernel.Samples, value => AttentionKernel.Samples = value, true);
        var qkv = OpAssert.Random(96, -1f, 1f, 2, 16, 2 * 48);
        Assert.True(AttentionKernel.TakesSamples(new AttentionKernel.Shape(2, 2, 16, 16, 16, 16), masked: false) || Simd.Level != SimdLevel.Vector512);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.SelfAttention(t[0], 2, 16, 0.25f), qkv);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.SelfAttention(t[0], 2, 16, 0.25f, causal: true), qkv);
    }

    [Fact]
    public void Take_only_pairs_of_sixteen_steps_and_features_without_a_mask_tensor()
    {
        using var on = new Setting<bool>(() => AttentionKernel.Samples, value => AttentionKernel.Samples = value, true);
        var vit = new AttentionKernel.Shape(128, 4, 16, 16, 16, 16);
        Assert.Equal(AttentionKernel.TakesTiles(vit, masked: false), AttentionKernel.TakesSamples(vit, masked: false));
        Assert.False(AttentionKernel.TakesSamples(vit, masked: true));
        Assert.False(AttentionKernel.TakesSamples(vit with { KeyFeatures = 20 }, masked: false));
        Assert.False(AttentionKernel.TakesSamples(vit with { ValueFeatures = 8 }, masked: false));
        Assert.False(AttentionKernel.TakesSamples(vit with { QuerySteps = 15, KeySteps = 15 }, masked: false));
        AttentionKernel.Samples = false;
        Assert.False(AttentionKernel.TakesSamples(vit, masked: false));
    }
}

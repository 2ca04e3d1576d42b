using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Self-attention whose key-major pairs prefetch a share of the next sample's rows
/// (<see cref="AttentionKernel.PrefetchNextSample"/>) against the same op without: the same bits forward and backward
/// (the vit's shape, short pairs, several samples and heads, masks and causality), and at any thread count.
/// </summary>
public class AttentionPrefetchTests
{
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // batch, heads, steps, dk, dv
        { 128, 4, 16, 16, 16 },   // the vit example's attention
        { 1, 1, 1, 1, 1 },
        { 3, 2, 16, 20, 3 },
        { 5, 3, 7, 5, 9 },
    };

    private static float[][] Run(bool prefetch, int batch, int heads, int steps, int dk, int dv, Tensor? mask, bool causal)
    {
        bool saved = AttentionKernel.PrefetchNextSample;
        AttentionKernel.PrefetchNextSample = prefetch;
        try
        {
            var qkv = OpAssert.Random(81, -2f, 2f, batch, steps, heads * (2 * dk + dv)).WithRequiresGrad();
            var upstream = OpAssert.Random(82, -1f, 1f, batch, steps, heads, dv);
            var context = global::DeepSharp.Ops.SelfAttention(qkv, heads, dk, 0.27f, mask, causal);
            global::DeepSharp.Ops.Sum(global::DeepSharp.Ops.Multiply(context, upstream)).Backward();
            return [context.ToArray(), qkv.Grad!.ToArray()];
        }
        finally
        {
            AttentionKernel.PrefetchNextSample = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Change_no_bit(int batch, int heads, int steps, int dk, int dv)
    {
        var padding = new float[batch * steps];
        for (int i = 0; i < padding.Length; i++) padding[i] = i % steps == steps - 1 && i / steps % 2 == 1 ? 0f : 1f;
        foreach (var mask in new[] { null, Tensor.FromArray(padding, batch, 1, steps) })
            foreach (bool causal in new[] { false, true })
                ThreadCounts.Identical($"self-attention {batch}x{heads}x{steps}x{dk}x{dv}, prefetch{(mask is null ? "" : ", mask")}{(causal ? ", causal" : "")}",
                    Run(false, batch, heads, steps, dk, dv, mask, causal), Run(true, batch, heads, steps, dk, dv, mask, causal));
    }

    [Fact]
    public void Has_the_same_bits_at_any_thread_count() =>
        ThreadCounts.SameBits("self-attention with prefetch", () => Run(true, 9, 4, 16, 16, 16, null, causal: false));
}

using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Self-attention with the softmax taken down key-major columns (<see cref="AttentionColumns512"/>) against the same op
/// with the softmax along the rows: the same bits, forward and backward, at pairs of up to 16 steps (odd lengths, one
/// step, one sample and many, several heads, features past a vector), with masks of every kind and causality; and
/// against the reference path (the general GEMM per pair), within rounding. On a machine without AVX-512 every run
/// takes the reference path.
/// </summary>
public class AttentionColumns512Tests
{
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // batch, heads, steps, dk, dv
        { 1, 1, 1, 1, 1 },
        { 128, 4, 16, 16, 16 },   // the vit example's attention
        { 1, 3, 7, 5, 9 },
        { 3, 2, 16, 20, 3 },      // features past a vector
        { 2, 1, 13, 33, 17 },
        { 5, 4, 2, 16, 16 },
        { 2, 2, 17, 4, 4 },       // past 16 steps: the rows path on both sides
    };

    /// <summary>The context and the gradient of the packed tensor, with the column softmax on or off (or the reference path).</summary>
    private static float[][] Run(bool columns, bool pairKernels, int batch, int heads, int steps, int dk, int dv, Tensor? mask, bool causal)
    {
        bool savedColumns = AttentionKernel.ColumnSoftmax, savedPairs = AttentionKernel.PairKernels;
        AttentionKernel.ColumnSoftmax = columns;
        AttentionKernel.PairKernels = pairKernels;
        try
        {
            var qkv = OpAssert.Random(61, -2f, 2f, batch, steps, heads * (2 * dk + dv)).WithRequiresGrad();
            var upstream = OpAssert.Random(62, -1f, 1f, batch, steps, heads, dv);
            var context = global::DeepSharp.Ops.SelfAttention(qkv, heads, dk, 0.29f, mask, causal);
            global::DeepSharp.Ops.Sum(global::DeepSharp.Ops.Multiply(context, upstream)).Backward();
            return [context.ToArray(), qkv.Grad!.ToArray()];
        }
        finally
        {
            AttentionKernel.ColumnSoftmax = savedColumns;
            AttentionKernel.PairKernels = savedPairs;
        }
    }

    private static void Compare(int batch, int heads, int steps, int dk, int dv, Tensor? mask, bool causal)
    {
        string what = $"self-attention {batch}x{heads}x{steps}x{dk}x{dv}{(mask is null ? "" : $", mask {mask.Shape}")}{(causal ? ", causal" : "")}";
        var rows = Run(false, true, batch, heads, steps, dk, dv, mask, causal);
        var columns = Run(true, true, batch, heads, steps, dk, dv, mask, causal);
        ThreadCounts.Identical(what, rows, columns);
        var reference = Run(true, false, batch, heads, steps, dk, dv, mask, causal);
        for (int r = 0; r < reference.Length; r++) OpAssert.Close(reference[r], columns[r], relative: 1e-5, absolute: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Give_the_bits_of_the_rows(int batch, int heads, int steps, int dk, int dv)
    {
        Compare(batch, heads, steps, dk, dv, null, causal: false);
        Compare(batch, heads, steps, dk, dv, null, causal: true);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Give_the_bits_of_the_rows_with_masks(int batch, int heads, int steps, int dk, int dv)
    {
        // A mask per query step (every third pair masked, and the first sample's first query step may attend to nothing),
        // then a key padding mask shared by the query steps (the last key of every other sample masked).
        var perQuery = new float[batch * steps * steps];
        for (int i = 0; i < perQuery.Length; i++) perQuery[i] = i % 3 == 1 ? 0f : 1f;
        for (int j = 0; j < steps; j++) perQuery[j] = 0f;
        var padding = new float[batch * steps];
        for (int i = 0; i < padding.Length; i++) padding[i] = i % steps == steps - 1 && i / steps % 2 == 1 ? 0f : 1f;
        foreach (var mask in new[] { Tensor.FromArray(perQuery, batch, steps, steps), Tensor.FromArray(padding, batch, 1, steps) })
        {
            Compare(batch, heads, steps, dk, dv, mask, causal: false);
            Compare(batch, heads, steps, dk, dv, mask, causal: true);
        }
    }

    [Fact]
    public void Have_the_same_bits_at_any_thread_count() =>
        ThreadCounts.SameBits("key-major self-attention", () => Run(true, true, 9, 4, 16, 16, 16, null, causal: false));

    [Fact]
    public void Keep_the_weights_key_major_only_where_the_columns_fit()
    {
        var fits = new AttentionKernel.Shape(2, 4, 16, 16, 16, 16);
        var longer = new AttentionKernel.Shape(2, 4, 17, 17, 16, 16);
        bool saved = AttentionKernel.ColumnSoftmax;
        try
        {
            AttentionKernel.ColumnSoftmax = true;
            Assert.Equal(Simd.Level == SimdLevel.Vector512 && AttentionKernel.PairKernels, AttentionKernel.KeyMajorWeights(fits));
            Assert.False(AttentionKernel.KeyMajorWeights(longer));
            AttentionKernel.ColumnSoftmax = false;
            Assert.False(AttentionKernel.KeyMajorWeights(fits));
        }
        finally
        {
            AttentionKernel.ColumnSoftmax = saved;
        }
    }
}

using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The AVX-512 pair kernels of attention against the reference path (the general GEMM per pair and the row softmax of
/// library calls), forward and backward, at shapes with short and long rows, odd sizes, one sample and many, masks and
/// causality. On a machine without AVX-512 both runs take the reference path.
/// </summary>
public class AttentionPairs512Tests
{
    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        // batch, heads, Tq, Tk, dk, dv
        { 1, 1, 1, 1, 1, 1 },
        { 1, 4, 16, 16, 16, 16 },   // the vit example's pairs
        { 3, 3, 5, 7, 3, 6 },
        { 2, 2, 9, 17, 20, 5 },     // rows one past a vector, features past one
        { 5, 1, 33, 40, 8, 33 },
        { 2, 2, 12, 3, 16, 12 },
    };

    private static float[][] Run(bool pairKernels, int batch, int heads, int tq, int tk, int dk, int dv, Tensor? mask, bool causal)
    {
        bool saved = AttentionKernel.PairKernels;
        AttentionKernel.PairKernels = pairKernels;
        try
        {
            var q = OpAssert.Random(21, -2f, 2f, batch, tq, heads, dk).WithRequiresGrad();
            var k = OpAssert.Random(22, -2f, 2f, batch, tk, heads, dk).WithRequiresGrad();
            var v = OpAssert.Random(23, -2f, 2f, batch, tk, heads, dv).WithRequiresGrad();
            var upstream = OpAssert.Random(24, -1f, 1f, batch, tq, heads, dv);
            var w = DeepSharp.Ops.AttentionWeights(q, k, 0.37f, mask, causal);
            var c = DeepSharp.Ops.AttentionContext(w, v);
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(c, upstream)).Backward();
            var scores = OpAssert.Random(25, -3f, 3f, batch, heads, tq, tk).WithRequiresGrad();
            var soft = DeepSharp.Ops.MaskedSoftmax(scores, mask, causal);
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(soft, OpAssert.Random(26, -1f, 1f, batch, heads, tq, tk))).Backward();
            return [w.ToArray(), c.ToArray(), q.Grad!.ToArray(), k.Grad!.ToArray(), v.Grad!.ToArray(), soft.ToArray(), scores.Grad!.ToArray()];
        }
        finally
        {
            AttentionKernel.PairKernels = saved;
        }
    }

    private static void Compare(int batch, int heads, int tq, int tk, int dk, int dv, Tensor? mask, bool causal)
    {
        var reference = Run(false, batch, heads, tq, tk, dk, dv, mask, causal);
        var fast = Run(true, batch, heads, tq, tk, dk, dv, mask, causal);
        for (int r = 0; r < reference.Length; r++) OpAssert.Close(reference[r], fast[r], relative: 1e-5, absolute: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Match_the_reference_path(int batch, int heads, int tq, int tk, int dk, int dv) =>
        Compare(batch, heads, tq, tk, dk, dv, null, causal: false);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Match_the_reference_path_with_a_mask_and_causality(int batch, int heads, int tq, int tk, int dk, int dv)
    {
        // Every third pair masked, and one query step of the first sample that may attend to nothing.
        var values = new float[batch * tq * tk];
        for (int i = 0; i < values.Length; i++) values[i] = i % 3 == 1 ? 0f : 1f;
        for (int j = 0; j < tk; j++) values[j] = 0f;
        var mask = Tensor.FromArray(values, batch, tq, tk);
        Compare(batch, heads, tq, tk, dk, dv, mask, causal: false);
        Compare(batch, heads, tq, tk, dk, dv, null, causal: true);
        Compare(batch, heads, tq, tk, dk, dv, mask, causal: true);
    }

    [Fact]
    public void Products_sum_as_the_gemm_does_so_the_bits_match()
    {
        // Both sum each element by one fused multiply-add per k from zero: the context w·v has the same bits.
        var w = OpAssert.Random(31, 0f, 1f, 3, 2, 7, 19);
        var v = OpAssert.Random(32, -2f, 2f, 3, 19, 2, 21);
        bool saved = AttentionKernel.PairKernels;
        try
        {
            AttentionKernel.PairKernels = false;
            var reference = DeepSharp.Ops.AttentionContext(w, v).ToArray();
            AttentionKernel.PairKernels = true;
            Assert.Equal(reference, DeepSharp.Ops.AttentionContext(w, v).ToArray());
        }
        finally
        {
            AttentionKernel.PairKernels = saved;
        }
    }
}

using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

public class LayerNormalizationOpsTests
{
    /// <summary>The same normalization from the general ops: (x − mean)/√(var + ε)·γ + β over the last axes.</summary>
    private static Tensor Composed(Tensor x, Tensor? gamma, Tensor? beta, float epsilon, int[] axes)
    {
        var centered = DeepSharp.Ops.Subtract(x, DeepSharp.Ops.Mean(x, axes, keepDims: true));
        var variance = DeepSharp.Ops.Mean(DeepSharp.Ops.Square(centered), axes, keepDims: true);
        var y = DeepSharp.Ops.Divide(centered, DeepSharp.Ops.Sqrt(DeepSharp.Ops.Add(variance, epsilon)));
        if (gamma is not null) y = DeepSharp.Ops.Multiply(y, gamma);
        if (beta is not null) y = DeepSharp.Ops.Add(y, beta);
        return y;
    }

    [Fact]
    public void Matches_the_composed_ops_forward_and_backward()
    {
        var x = OpAssert.Random(1, -3f, 5f, 4, 3, 10);
        var gamma = OpAssert.Random(2, 0.5f, 1.5f, 10);
        var beta = OpAssert.Random(3, -1f, 1f, 10);
        var upstream = OpAssert.Random(4, -1f, 1f, 4, 3, 10);
        var fused = DeepSharp.Ops.LayerNormalization(x, gamma, beta, 1e-3f);
        DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(fused, upstream)).Backward();
        float[] dx = x.Grad!.ToArray(), dGamma = gamma.Grad!.ToArray(), dBeta = beta.Grad!.ToArray();
        x.ZeroGrad();
        gamma.ZeroGrad();
        beta.ZeroGrad();
        var composed = Composed(x, gamma, beta, 1e-3f, [2]);
        DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(composed, upstream)).Backward();
        OpAssert.Close(composed.ToArray(), fused.ToArray(), relative: 1e-5, absolute: 2e-6);
        OpAssert.Close(x.Grad!.ToArray(), dx, relative: 1e-4, absolute: 2e-5);
        OpAssert.Close(gamma.Grad!.ToArray(), dGamma, relative: 1e-4, absolute: 2e-5);
        OpAssert.Close(beta.Grad!.ToArray(), dBeta, relative: 1e-5, absolute: 1e-5);
    }

    [Fact]
    public void Gradient_checks()
    {
        var x = OpAssert.Random(5, -2f, 2f, 3, 2, 5);
        var gamma = OpAssert.Random(6, 0.5f, 1.5f, 2, 5);
        var beta = OpAssert.Random(7, -1f, 1f, 2, 5);
        OpAssert.GradientChecks(t => DeepSharp.Ops.LayerNormalization(t[0], t[1], t[2], 1e-3f, normalizedRank: 2), x, gamma, beta);
        OpAssert.GradientChecks(t => DeepSharp.Ops.LayerNormalization(t[0], null, t[1], 1e-3f), x, OpAssert.Random(8, -1f, 1f, 5));
        OpAssert.GradientChecks(t => DeepSharp.Ops.LayerNormalization(t[0], null, null, 1e-3f), x);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var x = Tensor.Ones(2, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => DeepSharp.Ops.LayerNormalization(x, Tensor.Ones(3), null));
        Assert.Contains("4 for input (2, 3, 4)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DeepSharp.Ops.LayerNormalization(x, null, null, normalizedRank: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeepSharp.Ops.LayerNormalization(x, null, null, epsilon: 0f));
    }

    /// <summary>
    /// A residual block, h = x + LN(x)·w: when the layer norm's backward runs, the gradient of x from the skip connection
    /// is pending, and the backward adds its dx into it in its own sweep instead of a sum after it.
    /// </summary>
    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Adding_into_the_pending_gradient_gives_the_bits_of_the_separate_sum(bool rowKernels, bool rowBlocks)
    {
        float[][] Run(bool addIntoPending)
        {
            bool savedAdd = LayerNormKernel.AddIntoPending, savedRows = LayerNormKernel.RowKernels, savedBlocks = LayerNormKernel.RowBlocks;
            LayerNormKernel.AddIntoPending = addIntoPending;
            LayerNormKernel.RowKernels = rowKernels;
            LayerNormKernel.RowBlocks = rowBlocks;
            try
            {
                var a = OpAssert.Random(21, -2f, 2f, 37, 64);
                var gamma = OpAssert.Random(22, 0.5f, 1.5f, 64);
                var beta = OpAssert.Random(23, -1f, 1f, 64);
                var w = OpAssert.Random(24, -1f, 1f, 64);
                var x = DeepSharp.Ops.Multiply(a, 1.5f);
                var h = DeepSharp.Ops.Add(x, DeepSharp.Ops.Multiply(DeepSharp.Ops.LayerNormalization(x, gamma, beta), w));
                DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(h, OpAssert.Random(25, -1f, 1f, 37, 64))).Backward();
                return [a.Grad!.ToArray(), gamma.Grad!.ToArray(), beta.Grad!.ToArray(), w.Grad!.ToArray()];
            }
            finally
            {
                LayerNormKernel.AddIntoPending = savedAdd;
                LayerNormKernel.RowKernels = savedRows;
                LayerNormKernel.RowBlocks = savedBlocks;
            }
        }

        ThreadCounts.Identical("dx, dγ, dβ, dw added into the pending gradient against summed after", Run(false), Run(true));
    }

    [Fact]
    public void Results_have_the_same_bits_at_any_thread_count()
    {
        ThreadCounts.SameBits("layer normalization", () =>
        {
            var x = OpAssert.Random(9, -2f, 2f, 64, 49, 24);
            var gamma = OpAssert.Random(10, 0.5f, 1.5f, 24);
            var beta = OpAssert.Random(11, -1f, 1f, 24);
            var y = DeepSharp.Ops.LayerNormalization(x, gamma, beta);
            DeepSharp.Ops.Sum(DeepSharp.Ops.Square(y)).Backward();
            return [y.ToArray(), x.Grad!.ToArray(), gamma.Grad!.ToArray(), beta.Grad!.ToArray()];
        });
    }
}

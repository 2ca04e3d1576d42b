using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

public class DenseOpsTests
{
    /// <summary>y, dx, dW and db of activation(x·W + b) for a fixed output gradient, with the fused op on or off.</summary>
    private static float[][] Run(bool fused, int[] xShape, int units, ActivationFunction activation, int seed, bool together = true)
    {
        bool saved = DenseBiasActivation.Enabled, savedTogether = DenseBiasActivation.GradientsTogether;
        DenseBiasActivation.Enabled = fused;
        DenseBiasActivation.GradientsTogether = together;
        try
        {
            int k = xShape[^1];
            var x = OpAssert.Random(seed, -2f, 2f, xShape);
            var kernel = OpAssert.Random(seed + 1, -0.5f, 0.5f, k, units);
            var bias = OpAssert.Random(seed + 2, -1f, 1f, units);
            var y = global::DeepSharp.Ops.Dense(x, kernel, bias, activation);
            var g = Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(seed + 3));
            y.Backward(g);
            return [y.ToArray(), x.Grad!.ToArray(), kernel.Grad!.ToArray(), bias.Grad!.ToArray()];
        }
        finally
        {
            DenseBiasActivation.Enabled = saved;
            DenseBiasActivation.GradientsTogether = savedTogether;
        }
    }

    public static TheoryData<int[], int, string> Shapes => new()
    {
        { new[] { 1, 7 }, 10, "linear" },        // one row: the thin-rows product
        { new[] { 5, 64 }, 33, "gelu" },          // a column tail
        { new[] { 3, 9, 130 }, 128, "gelu" },     // k over a vector multiple, rank 3
        { new[] { 128, 16, 64 }, 128, "gelu" },   // the vit's hidden layer: many rectangles
        { new[] { 128, 16, 128 }, 64, "linear" }, // the vit's second layer
        { new[] { 37, 1 }, 1, "linear" },
        { new[] { 41, 20 }, 12, "tanh" },         // an activation that follows as its own op
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fused_dense_equals_the_separate_ops(int[] xShape, int units, string activation)
    {
        var separate = Run(false, xShape, units, activation, 11);
        var fused = Run(true, xShape, units, activation, 11);
        // The product, the bias add and the activation are the same operations: the same bits. The products of
        // backward too; the bias gradient sums the rows in chunks, a different order (its rounding grows with the rows).
        ThreadCounts.Identical("y, dx and dW", separate[..3], fused[..3]);
        int rows = xShape[..^1].Aggregate(1, (a, b) => a * b);
        OpAssert.Close(separate[3], fused[3], relative: 1e-5, absolute: 1e-6 + 1e-7 * rows);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fused_dense_has_the_same_bits_at_any_thread_count(int[] xShape, int units, string activation) =>
        ThreadCounts.SameBits($"dense {string.Join('x', xShape)} to {units} {activation}", () => Run(true, xShape, units, activation, 5));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradient_products_together_give_the_bits_of_one_after_the_other(int[] xShape, int units, string activation)
    {
        var separate = Run(true, xShape, units, activation, 7, together: false);
        ThreadCounts.SameBits($"dense {string.Join('x', xShape)} to {units} {activation}, products together", () =>
        {
            var together = Run(true, xShape, units, activation, 7, together: true);
            ThreadCounts.Identical("y, dx, dW and db, together against one after the other", separate, together);
            return together;
        });
    }

    [Fact]
    public void Fused_dense_passes_the_gradient_check()
    {
        var x = OpAssert.Random(1, -1f, 1f, 2, 3, 5);
        var kernel = OpAssert.Random(2, -1f, 1f, 5, 4);
        var bias = OpAssert.Random(3, -1f, 1f, 4);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.Dense(t[0], t[1], t[2], Activations.Gelu), x, kernel, bias);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.Dense(t[0], t[1], t[2]), x, kernel, bias);
        Assert.Equal("dense", global::DeepSharp.Ops.Dense(x, kernel, bias, Activations.Gelu).GradFunction);
    }

    [Fact]
    public void Dense_without_a_bias_or_with_a_relu_takes_the_separate_ops()
    {
        var x = OpAssert.Random(1, -1f, 1f, 4, 3);
        var kernel = OpAssert.Random(2, -1f, 1f, 3, 2);
        var bias = OpAssert.Random(3, -1f, 1f, 2);
        Assert.Equal("matmul", global::DeepSharp.Ops.Dense(x, kernel, null).GradFunction);
        Assert.Equal("bias_relu", global::DeepSharp.Ops.Dense(x, kernel, bias, Activations.Relu).GradFunction);
        var wrong = OpAssert.Random(4, -1f, 1f, 4, 2);
        Assert.Throws<ArgumentException>(() => global::DeepSharp.Ops.Dense(x, wrong, bias));
    }
}

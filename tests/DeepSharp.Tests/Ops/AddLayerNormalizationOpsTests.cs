using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

/// <summary>
/// A residual add and the layer normalization of its sum as one op (<see cref="DeepSharp.Ops.AddLayerNormalization"/>)
/// against the two ops one after the other: the same bits for the sum, the normalized values and every gradient, on the
/// row kernels, the blocks of 16 rows (with and without their prefetch) and the reference rows; finite differences; the
/// same bits at 1, 2 and 3 threads.
/// </summary>
public class AddLayerNormalizationOpsTests
{
    private static float[][] Run(bool fused, int[] shape, int normalizedRank, bool gamma, bool beta)
    {
        int n = 1;
        for (int d = shape.Length - normalizedRank; d < shape.Length; d++) n *= shape[d];
        var x = OpAssert.Random(61, -3f, 5f, shape);
        var branch = OpAssert.Random(62, -2f, 2f, shape);
        var g = gamma ? OpAssert.Random(63, 0.5f, 1.5f, n) : null;
        var b = beta ? OpAssert.Random(64, -1f, 1f, n) : null;
        Tensor sum, y;
        if (fused) y = DeepSharp.Ops.AddLayerNormalization(x, branch, g, b, 1e-6f, normalizedRank, out sum);
        else
        {
            sum = DeepSharp.Ops.Add(x, branch);
            y = DeepSharp.Ops.LayerNormalization(sum, g, b, 1e-6f, normalizedRank);
        }
        // Both outputs carry gradient, as a pre-norm block's do (the sum goes on along the skip connection).
        var loss = DeepSharp.Ops.Add(DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(65, -1f, 1f, shape))),
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(sum, OpAssert.Random(66, -1f, 1f, shape))));
        loss.Backward();
        return [sum.ToArray(), y.ToArray(), x.Grad!.ToArray(), branch.Grad!.ToArray(), g?.Grad!.ToArray() ?? [], b?.Grad!.ToArray() ?? []];
    }

    public static TheoryData<int[], int, bool, bool> Cases => new()
    {
        { [128, 16, 64], 1, true, true },   // the vit example's residual stream
        { [37, 64], 1, true, true },
        { [3, 5, 17], 1, false, true },
        { [4, 3, 10], 2, true, false },
        { [1, 1], 1, false, false },
        { [300, 48], 1, true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gives_the_bits_of_the_add_then_the_layer_normalization(int[] shape, int normalizedRank, bool gamma, bool beta)
    {
        foreach (var (rowKernels, rowBlocks, prefetch) in new[] { (true, true, true), (true, true, false), (true, false, false), (false, false, false) })
        {
            using var rows = new Setting<bool>(() => LayerNormKernel.RowKernels, v => LayerNormKernel.RowKernels = v, rowKernels);
            using var blocks = new Setting<bool>(() => LayerNormKernel.RowBlocks, v => LayerNormKernel.RowBlocks = v, rowBlocks);
            using var ahead = new Setting<bool>(() => LayerNormKernel.PrefetchNextBlock, v => LayerNormKernel.PrefetchNextBlock = v, prefetch);
            ThreadCounts.Identical($"add + layer normalization {string.Join('x', shape)} ({rowKernels}, {rowBlocks}, {prefetch})",
                Run(false, shape, normalizedRank, gamma, beta), Run(true, shape, normalizedRank, gamma, beta));
        }
    }

    [Fact]
    public void The_prefetch_changes_no_bit_of_the_layer_normalization_alone()
    {
        float[][] Plain(bool prefetch)
        {
            using var ahead = new Setting<bool>(() => LayerNormKernel.PrefetchNextBlock, v => LayerNormKernel.PrefetchNextBlock = v, prefetch);
            var x = OpAssert.Random(71, -3f, 5f, 2048, 64);
            var g = OpAssert.Random(72, 0.5f, 1.5f, 64);
            var b = OpAssert.Random(73, -1f, 1f, 64);
            var y = DeepSharp.Ops.LayerNormalization(x, g, b, 1e-6f);
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(74, -1f, 1f, 2048, 64))).Backward();
            return [y.ToArray(), x.Grad!.ToArray(), g.Grad!.ToArray(), b.Grad!.ToArray()];
        }

        ThreadCounts.Identical("layer normalization, prefetch against none", Plain(false), Plain(true));
    }

    [Fact]
    public void Gradient_checks()
    {
        var x = OpAssert.Random(75, -2f, 2f, 3, 2, 5);
        var branch = OpAssert.Random(76, -2f, 2f, 3, 2, 5);
        var gamma = OpAssert.Random(77, 0.5f, 1.5f, 5);
        var beta = OpAssert.Random(78, -1f, 1f, 5);
        var weights = OpAssert.Random(79, -1f, 1f, 3, 2, 5);
        Tensor Both(Tensor[] t, Tensor? g, Tensor? b, int rank)
        {
            var y = DeepSharp.Ops.AddLayerNormalization(t[0], t[1], g, b, 1e-3f, rank, out var sum);
            return DeepSharp.Ops.Add(y, DeepSharp.Ops.Multiply(sum, weights));
        }
        OpAssert.GradientChecks(t => Both(t, t[2], t[3], 1), x, branch, gamma, beta);
        OpAssert.GradientChecks(t => Both(t, null, null, 2), x, branch);
    }

    [Fact]
    public void Has_the_same_bits_at_any_thread_count() =>
        ThreadCounts.SameBits("add + layer normalization", () => Run(true, [64, 49, 24], 1, true, true));

    [Fact]
    public void Operands_of_two_shapes_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            DeepSharp.Ops.AddLayerNormalization(Tensor.Ones(2, 3, 4), Tensor.Ones(2, 1, 4), null, null, 1e-3f, 1, out _));
        Assert.Contains("(2, 3, 4) and (2, 1, 4)", e.Message);
    }
}

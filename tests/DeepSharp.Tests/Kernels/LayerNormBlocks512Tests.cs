using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Layer normalization 16 rows at a time (<see cref="LayerNormBlocks512"/>) against the same rows one by one
/// (<see cref="LayerNormRows512"/>): the same bits, forward and backward, for blocks that are full, short and single rows,
/// rows shorter than a vector, one past it and several vectors long, with and without γ and β, and at several thread
/// counts. On a machine without AVX-512 both runs take the reference rows.
/// </summary>
public class LayerNormBlocks512Tests
{
    private static float[][] Run(bool blocks, int rows, int n, bool gamma, bool beta, bool inputGradient = true)
    {
        bool saved = LayerNormKernel.RowBlocks;
        LayerNormKernel.RowBlocks = blocks;
        try
        {
            var x = OpAssert.Random(51, -3f, 5f, rows, n);
            if (inputGradient) x = x.WithRequiresGrad();
            var g = gamma ? OpAssert.Random(52, 0.5f, 1.5f, n).WithRequiresGrad() : null;
            var b = beta ? OpAssert.Random(53, -1f, 1f, n).WithRequiresGrad() : null;
            var y = DeepSharp.Ops.LayerNormalization(x, g, b, 1e-6f);
            if (inputGradient || g is not null || b is not null)
                DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(54, -1f, 1f, rows, n))).Backward();
            return [y.ToArray(), inputGradient ? x.Grad!.ToArray() : [], g?.Grad!.ToArray() ?? [], b?.Grad!.ToArray() ?? []];
        }
        finally
        {
            LayerNormKernel.RowBlocks = saved;
        }
    }

    [Theory]
    [InlineData(1, 1, true, true)]
    [InlineData(16, 64, true, true)]
    [InlineData(2048, 64, true, true)]   // the vit example's rows
    [InlineData(17, 5, false, false)]
    [InlineData(33, 17, true, false)]
    [InlineData(15, 100, false, true)]
    [InlineData(300, 48, true, true)]
    public void Give_the_bits_of_the_rows(int rows, int n, bool gamma, bool beta) =>
        ThreadCounts.Identical($"layer normalization {rows}x{n}", Run(false, rows, n, gamma, beta), Run(true, rows, n, gamma, beta));

    [Fact]
    public void Give_the_bits_of_the_rows_without_an_input_gradient() =>
        ThreadCounts.Identical("layer normalization, parameter gradients alone", Run(false, 70, 64, true, true, inputGradient: false),
            Run(true, 70, 64, true, true, inputGradient: false));

    [Fact]
    public void Have_the_same_bits_at_any_thread_count() =>
        ThreadCounts.SameBits("layer normalization in blocks", () => Run(true, 1000, 64, true, true));
}

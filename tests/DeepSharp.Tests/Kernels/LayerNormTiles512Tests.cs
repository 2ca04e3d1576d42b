using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Layer normalization in tiles of 16 rows by 64 columns with the columns' weights and gradient sums in registers
/// (<see cref="LayerNormTiles512"/>) against the blocks of 16 rows that load them for every row (<see cref="LayerNormBlocks512"/>):
/// the same bits for the output, the statistics' use in backward, dx (alone and added into a pending gradient), dγ and dβ,
/// and for the residual add + norm, on rows one tile wide, narrower, masked, and several tiles wide, with and without γ and
/// β, and at 1, 2 and 3 threads. On a machine without AVX-512 both runs take the reference rows.
/// </summary>
public class LayerNormTiles512Tests
{
    private static float[][] Plain(bool tiles, int rows, int n, bool gamma, bool beta, bool inputGradient = true)
    {
        using var setting = new Setting<bool>(() => LayerNormKernel.Tiles, v => LayerNormKernel.Tiles = v, tiles);
        var x = OpAssert.Random(81, -3f, 5f, rows, n);
        if (inputGradient) x = x.WithRequiresGrad();
        var g = gamma ? OpAssert.Random(82, 0.5f, 1.5f, n).WithRequiresGrad() : null;
        var b = beta ? OpAssert.Random(83, -1f, 1f, n).WithRequiresGrad() : null;
        var y = DeepSharp.Ops.LayerNormalization(x, g, b, 1e-6f);
        if (inputGradient || g is not null || b is not null)
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(84, -1f, 1f, rows, n))).Backward();
        return [y.ToArray(), inputGradient ? x.Grad!.ToArray() : [], g?.Grad!.ToArray() ?? [], b?.Grad!.ToArray() ?? []];
    }

    /// <summary>A pre-norm residual step: the sum goes on along the skip connection, so the norm's dx is added into its pending gradient.</summary>
    private static float[][] Residual(bool tiles, int rows, int n, bool gamma, bool beta)
    {
        using var setting = new Setting<bool>(() => LayerNormKernel.Tiles, v => LayerNormKernel.Tiles = v, tiles);
        var x = OpAssert.Random(85, -3f, 5f, rows, n).WithRequiresGrad();
        var branch = OpAssert.Random(86, -2f, 2f, rows, n).WithRequiresGrad();
        var g = gamma ? OpAssert.Random(87, 0.5f, 1.5f, n).WithRequiresGrad() : null;
        var b = beta ? OpAssert.Random(88, -1f, 1f, n).WithRequiresGrad() : null;
        var y = DeepSharp.Ops.AddLayerNormalization(x, branch, g, b, 1e-6f, 1, out var sum);
        var loss = DeepSharp.Ops.Add(DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(89, -1f, 1f, rows, n))),
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(sum, OpAssert.Random(90, -1f, 1f, rows, n))));
        loss.Backward();
        return [sum.ToArray(), y.ToArray(), x.Grad!.ToArray(), branch.Grad!.ToArray(), g?.Grad!.ToArray() ?? [], b?.Grad!.ToArray() ?? []];
    }

    public static TheoryData<int, int, bool, bool> Cases => new()
    {
        { 2048, 64, true, true },   // the vit example's rows: one tile wide
        { 1, 1, true, true },
        { 16, 64, true, false },
        { 17, 5, false, false },
        { 33, 17, true, false },
        { 15, 100, false, true },   // two tiles, the second masked
        { 300, 48, true, true },
        { 40, 128, true, true },    // two full tiles
        { 70, 130, true, true },    // three tiles, the last one column wide
        { 19, 200, false, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Give_the_bits_of_the_blocks(int rows, int n, bool gamma, bool beta)
    {
        ThreadCounts.Identical($"layer normalization {rows}x{n}", Plain(false, rows, n, gamma, beta), Plain(true, rows, n, gamma, beta));
        ThreadCounts.Identical($"add + layer normalization {rows}x{n}", Residual(false, rows, n, gamma, beta), Residual(true, rows, n, gamma, beta));
    }

    [Fact]
    public void Give_the_bits_of_the_blocks_without_an_input_gradient() =>
        ThreadCounts.Identical("layer normalization, parameter gradients alone", Plain(false, 70, 130, true, true, inputGradient: false),
            Plain(true, 70, 130, true, true, inputGradient: false));

    [Fact]
    public void Have_the_same_bits_at_any_thread_count()
    {
        ThreadCounts.SameBits("layer normalization in tiles", () => Plain(true, 1000, 64, true, true));
        ThreadCounts.SameBits("add + layer normalization in tiles", () => Residual(true, 777, 96, true, true));
    }
}

using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Layer normalization in tiles that asks for a later block a row at a time (<see cref="LayerNormKernel.PrefetchRows"/>)
/// against tiles that ask for the next block all at once: the same bits for the output and every gradient of a pre-norm
/// residual step (the norm's dx added into the pending residual gradient) and of a plain layer norm, at 1, 2 and 3
/// threads, on the vit's rows, on rows that end inside a block, and on rows several tiles wide.
/// </summary>
public class LayerNormPrefetchTests
{
    private static float[][] Residual(bool rows, int count, int n)
    {
        using var setting = new Setting<bool>(() => LayerNormKernel.PrefetchRows, v => LayerNormKernel.PrefetchRows = v, rows);
        var x = OpAssert.Random(91, -3f, 5f, count, n).WithRequiresGrad();
        var branch = OpAssert.Random(92, -2f, 2f, count, n).WithRequiresGrad();
        var gamma = OpAssert.Random(93, 0.5f, 1.5f, n).WithRequiresGrad();
        var beta = OpAssert.Random(94, -1f, 1f, n).WithRequiresGrad();
        var y = DeepSharp.Ops.AddLayerNormalization(x, branch, gamma, beta, 1e-6f, 1, out var sum);
        var loss = DeepSharp.Ops.Add(DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(95, -1f, 1f, count, n))),
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(sum, OpAssert.Random(96, -1f, 1f, count, n))));
        loss.Backward();
        return [y.ToArray(), x.Grad!.ToArray(), branch.Grad!.ToArray(), gamma.Grad!.ToArray(), beta.Grad!.ToArray()];
    }

    private static float[][] Plain(bool rows, int count, int n)
    {
        using var setting = new Setting<bool>(() => LayerNormKernel.PrefetchRows, v => LayerNormKernel.PrefetchRows = v, rows);
        var x = OpAssert.Random(97, -3f, 5f, count, n).WithRequiresGrad();
        var gamma = OpAssert.Random(98, 0.5f, 1.5f, n).WithRequiresGrad();
        var y = DeepSharp.Ops.LayerNormalization(x, gamma, null, 1e-6f);
        DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(99, -1f, 1f, count, n))).Backward();
        return [y.ToArray(), x.Grad!.ToArray(), gamma.Grad!.ToArray()];
    }

    [Theory]
    [InlineData(2048, 64)]  // the vit example: chunks of 64 rows, the prefetch running into the next chunk
    [InlineData(300, 48)]   // chunks of 9 or 10 rows: blocks cut short, the block two ahead often past the chunk
    [InlineData(70, 130)]   // three tiles a row, the last one column wide
    [InlineData(40, 17)]
    public void Give_the_bits_of_the_next_block_prefetch(int count, int n)
    {
        foreach (int threads in ThreadCounts.OneTwoThree)
        {
            ThreadCounts.Identical($"add + layer normalization {count}x{n}, {threads} threads",
                ThreadCounts.At(threads, () => Residual(false, count, n)), ThreadCounts.At(threads, () => Residual(true, count, n)));
            ThreadCounts.Identical($"layer normalization {count}x{n}, {threads} threads",
                ThreadCounts.At(threads, () => Plain(false, count, n)), ThreadCounts.At(threads, () => Plain(true, count, n)));
        }
    }

    [Fact]
    public void Have_the_same_bits_at_any_thread_count()
    {
        ThreadCounts.SameBits("add + layer normalization, rows prefetched", () => Residual(true, 777, 96));
        ThreadCounts.SameBits("layer normalization, rows prefetched", () => Plain(true, 1000, 64));
    }
}

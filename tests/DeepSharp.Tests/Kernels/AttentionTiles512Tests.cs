using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Self-attention with each pair's key-major tile held in registers (<see cref="AttentionTiles512"/>) against the same op
/// with the tile in memory (<see cref="AttentionColumns512"/>): the same bits, forward and backward, at pairs of up to 16
/// steps (short pairs whose keys are copied to a tile of 16 rows, one step, features past a vector and fewer than eight),
/// with masks of every kind and causality, at any thread count. On a machine without AVX-512 both sides take the same
/// portable path.
/// </summary>
public class AttentionTiles512Tests
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
        { 4, 2, 9, 8, 24 },
    };

    /// <summary>The context and the gradient of the packed tensor, with the tiles in registers or in memory.</summary>
    private static float[][] Run(bool registers, int batch, int heads, int steps, int dk, int dv, Tensor? mask, bool causal)
    {
        bool saved = AttentionKernel.RegisterTiles;
        AttentionKernel.RegisterTiles = registers;
        try
        {
            var qkv = OpAssert.Random(71, -2f, 2f, batch, steps, heads * (2 * dk + dv)).WithRequiresGrad();
            var upstream = OpAssert.Random(72, -1f, 1f, batch, steps, heads, dv);
            var context = global::DeepSharp.Ops.SelfAttention(qkv, heads, dk, 0.31f, mask, causal);
            global::DeepSharp.Ops.Sum(global::DeepSharp.Ops.Multiply(context, upstream)).Backward();
            return [context.ToArray(), qkv.Grad!.ToArray()];
        }
        finally
        {
            AttentionKernel.RegisterTiles = saved;
        }
    }

    private static void Compare(int batch, int heads, int steps, int dk, int dv, Tensor? mask, bool causal)
    {
        string what = $"self-attention {batch}x{heads}x{steps}x{dk}x{dv}{(mask is null ? "" : $", mask {mask.Shape}")}{(causal ? ", causal" : "")}";
        ThreadCounts.Identical(what, Run(false, batch, heads, steps, dk, dv, mask, causal), Run(true, batch, heads, steps, dk, dv, mask, causal));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Give_the_bits_of_the_tiles_in_memory(int batch, int heads, int steps, int dk, int dv)
    {
        Compare(batch, heads, steps, dk, dv, null, causal: false);
        Compare(batch, heads, steps, dk, dv, null, causal: true);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Give_the_bits_of_the_tiles_in_memory_with_masks(int batch, int heads, int steps, int dk, int dv)
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
    public void Keep_a_NaN_score_in_its_query_steps_as_the_memory_tiles_do()
    {
        // One key's features infinite in one sample: its scores are ±∞ or NaN, and the rows it reaches must match bit for bit.
        const int batch = 2, heads = 2, steps = 16, dk = 16, dv = 16;
        var values = OpAssert.Random(73, -2f, 2f, batch, steps, heads * (2 * dk + dv)).ToArray();
        values[5 * heads * (2 * dk + dv) + heads * dk + 3] = float.PositiveInfinity;
        bool saved = AttentionKernel.RegisterTiles;
        try
        {
            var results = new float[2][];
            foreach (bool registers in new[] { false, true })
            {
                AttentionKernel.RegisterTiles = registers;
                results[registers ? 1 : 0] = global::DeepSharp.Ops.SelfAttention(Tensor.FromArray(values, batch, steps, heads * (2 * dk + dv)), heads, dk, 0.25f).ToArray();
            }
            Assert.Contains(results[0], float.IsNaN);
            ThreadCounts.Identical("self-attention with an infinite key", [results[0]], [results[1]]);
        }
        finally
        {
            AttentionKernel.RegisterTiles = saved;
        }
    }

    [Fact]
    public void Have_the_same_bits_at_any_thread_count() =>
        ThreadCounts.SameBits("self-attention with register tiles", () => Run(true, 9, 4, 16, 16, 16, null, causal: false));
}

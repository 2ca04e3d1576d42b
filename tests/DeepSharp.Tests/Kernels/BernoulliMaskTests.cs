using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

public class BernoulliMaskTests
{
    [Theory]
    [InlineData(0.8f)]
    [InlineData(0.5f)]
    [InlineData(0.1f)]
    public void Keeps_the_requested_share_with_the_requested_scale(float keep)
    {
        var mask = new float[200_003];
        BernoulliMask.Fill(mask, keep, 1f / keep, new RandomGenerator(3));
        int kept = mask.Count(v => v != 0);
        Assert.All(mask, v => Assert.True(v == 0 || v == 1f / keep));
        double share = kept / (double)mask.Length;
        double sigma = Math.Sqrt(keep * (1 - keep) / mask.Length);
        Assert.InRange(share, keep - 5 * sigma, keep + 5 * sigma);
    }

    [Fact]
    public void Vector_and_scalar_paths_draw_the_same_mask()
    {
        var vector = new float[1001];
        var scalar = new float[1001];
        BernoulliMask.Fill(vector, 0.7f, 2f, new RandomGenerator(9));
        BernoulliMask.Fill(scalar, 0.7f, 2f, new RandomGenerator(9), allowVector512: false);
        Assert.Equal(scalar, vector);
    }

    [Fact]
    public void Keep_everything_and_nothing_are_exact()
    {
        var all = new float[100];
        BernoulliMask.Fill(all, 1f, 1f, new RandomGenerator(1));
        Assert.All(all, v => Assert.Equal(1f, v));
        var none = new float[100];
        BernoulliMask.Fill(none, 0f, 1f, new RandomGenerator(1));
        Assert.All(none, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Neighbouring_elements_are_uncorrelated()
    {
        var mask = new float[100_000];
        BernoulliMask.Fill(mask, 0.5f, 1f, new RandomGenerator(5));
        int both = 0;
        for (int i = 0; i + 1 < mask.Length; i += 2) if (mask[i] != 0 && mask[i + 1] != 0) both++;
        Assert.InRange(both / 50_000.0, 0.24, 0.26);
    }

    [Fact]
    public void A_jump_moves_every_stream_as_far_as_drawing_a_chunk()
    {
        var random = new RandomGenerator(17);
        var from = new ulong[32];
        for (int i = 0; i < from.Length; i++) from[i] = random.NextUInt64();
        var jumped = new ulong[32];
        unsafe
        {
            fixed (ulong* f = from, t = jumped) StreamJump.Apply(f, t);
        }
        var stepped = (ulong[])from.Clone();
        for (int lane = 0; lane < 8; lane++)
            for (int step = 0; step < StreamJump.Groups; step++)
                Xoshiro256.Next(ref stepped[lane], ref stepped[8 + lane], ref stepped[16 + lane], ref stepped[24 + lane]);
        Assert.Equal(stepped, jumped);
    }

    [Theory]
    [InlineData(BernoulliMask.ChunkElements + 16)]
    [InlineData(2 * BernoulliMask.ChunkElements)]
    [InlineData(3 * BernoulliMask.ChunkElements + 5)]
    public void Chunks_drawn_on_several_threads_give_the_mask_one_thread_draws(int length)
    {
        float[] Draw(bool vector)
        {
            var mask = new float[length];
            BernoulliMask.Fill(mask, 0.7f, 1f / 0.7f, new RandomGenerator(23), allowVector512: vector);
            return mask;
        }
        float[] serial;
        using (new Setting<bool>(() => BernoulliMask.InChunks, v => BernoulliMask.InChunks = v, false)) serial = Draw(true);
        using (new Setting<bool>(() => BernoulliMask.InChunks, v => BernoulliMask.InChunks = v, true))
        {
            ThreadCounts.Identical("chunks against one sweep", [serial], [ThreadCounts.At(2, () => Draw(true))]);
            ThreadCounts.SameBits("mask in chunks", () => [Draw(true), Draw(false)]);
            ThreadCounts.Identical("scalar against vector", [serial], [ThreadCounts.At(3, () => Draw(false))]);
        }
    }

    [Theory]
    [InlineData(1, 0.7f)]
    [InlineData(13, 0.7f)]
    [InlineData(1000, 0.5f)]
    [InlineData(2 * BernoulliMask.ChunkElements + 37, 0.7f)]
    [InlineData(100, 1f)]
    [InlineData(100, 0f)]
    public void A_bit_mask_holds_the_draws_of_the_float_mask(int length, float keep)
    {
        foreach (bool vector in new[] { true, false })
            foreach (int threads in ThreadCounts.OneTwoThree)
            {
                var floats = new float[length];
                var bits = new byte[BernoulliMask.BitBytes(length)];
                ThreadCounts.At(threads, () =>
                {
                    BernoulliMask.Fill(floats, keep, 2f, new RandomGenerator(31), allowVector512: vector);
                    unsafe
                    {
                        fixed (byte* b = bits) BernoulliMask.FillBits(b, length, keep, new RandomGenerator(31), allowVector512: vector);
                    }
                });
                for (int i = 0; i < length; i++)
                    Assert.True((floats[i] != 0) == ((bits[i / 8] >> (i % 8) & 1) != 0), $"element {i} of {length} (vector {vector}, {threads} threads)");
                if (length % 8 != 0) Assert.Equal(0, bits[length / 8] >> (length % 8)); // past the end: clear
            }
    }
}

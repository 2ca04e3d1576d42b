using DeepSharp.Kernels;

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
}

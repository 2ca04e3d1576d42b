using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

public class VectorSumTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(5000)]
    public void The_sum_of_terms_matches_a_double_sum_and_counts_every_element_once(int length)
    {
        var random = new Random(length);
        var p = new float[length];
        var t = new float[length];
        for (int i = 0; i < length; i++)
        {
            p[i] = (float)(random.NextDouble() * 4 - 2);
            t[i] = (float)(random.NextDouble() * 4 - 2);
        }
        double expected = 0;
        for (int i = 0; i < length; i++) expected += (double)(p[i] - t[i]) * (p[i] - t[i]);
        double sum = VectorSum.Of(new SquaredError(), p, t);
        Assert.True(Math.Abs(sum - expected) <= 1e-6 * expected + 1e-12, $"{sum} vs {expected}");
        // The padded tail of a vector must add nothing: a term that is 1 everywhere (padding included) counts the elements.
        Assert.Equal(length, VectorSum.Of(new One(), p, t));
    }

    private readonly struct One : IBinaryFunction
    {
        public T Apply<T>(T x, T y) where T : struct, ILanes<T> => T.Broadcast(1f);
    }
}

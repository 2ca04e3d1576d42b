using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>The batch-normalization passes on each vector width and thread count, against double-precision sums.</summary>
public unsafe class BatchNormTests
{
    [Theory]
    [InlineData(5000, 33, 1)]  // channels last, a vector tail of channels, several items
    [InlineData(7, 16, 1)]     // few rows
    [InlineData(6, 3, 50)]     // a channel axis before contiguous runs
    public void Moments_sums_and_passes_match_the_definition(int outer, int channels, int inner)
    {
        var random = new Random(outer + channels);
        int size = outer * channels * inner;
        var x = Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 4 + 3)).ToArray();
        var dy = Enumerable.Range(0, size).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var a = Enumerable.Range(0, channels).Select(_ => (float)random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, channels).Select(_ => (float)random.NextDouble()).ToArray();
        var c = Enumerable.Range(0, channels).Select(_ => (float)random.NextDouble()).ToArray();
        int Channel(int i) => i / inner % channels;
        var expectedMean = new double[channels];
        var expectedVariance = new double[channels];
        var expectedSumDy = new double[channels];
        var expectedSumDyX = new double[channels];
        for (int i = 0; i < size; i++) expectedMean[Channel(i)] += x[i] / ((double)outer * inner);
        for (int i = 0; i < size; i++)
        {
            double d = x[i] - expectedMean[Channel(i)];
            expectedVariance[Channel(i)] += d * d / ((double)outer * inner);
            expectedSumDy[Channel(i)] += dy[i];
            expectedSumDyX[Channel(i)] += dy[i] * d;
        }

        int saved = Parallelism.Threads;
        try
        {
            foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar })
                foreach (int threads in new[] { 1, 2 })
                {
                    Parallelism.Threads = threads;
                    var mean = new float[channels];
                    var variance = new float[channels];
                    var sumDy = new float[channels];
                    var sumDyX = new float[channels];
                    var y = new float[size];
                    var dx = new float[size];
                    fixed (float* px = x, pdy = dy, pa = a, pb = b, pc = c, pm = mean, pv = variance, ps = sumDy, psx = sumDyX, py = y, pdx = dx)
                    {
                        BatchNorm.Moments(level, px, outer, channels, inner, pm, pv);
                        BatchNorm.GradientSums(level, px, pdy, outer, channels, inner, pm, ps, psx);
                        BatchNorm.Apply(level, px, outer, channels, inner, pa, pc, py);
                        BatchNorm.Combine(level, pdy, px, outer, channels, inner, pa, pb, pc, pdx);
                    }
                    for (int k = 0; k < channels; k++)
                    {
                        Assert.Equal(expectedMean[k], mean[k], 1e-4);
                        Assert.Equal(expectedVariance[k], variance[k], 1e-3);
                        Assert.Equal(expectedSumDy[k], sumDy[k], 2e-2);
                        Assert.Equal(expectedSumDyX[k], sumDyX[k], 2e-2);
                    }
                    for (int i = 0; i < size; i++)
                    {
                        Assert.Equal(x[i] * a[Channel(i)] + c[Channel(i)], y[i], 1e-4);
                        Assert.Equal(dy[i] * a[Channel(i)] + x[i] * b[Channel(i)] + c[Channel(i)], dx[i], 1e-4);
                    }
                }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    [Theory]
    [InlineData(5000, 33, 1)]  // channels last: ranges of rows
    [InlineData(1403, 24, 1)]  // 1403 rows in ranges that split unevenly over 2 and 3 threads
    [InlineData(20, 3, 700)]   // a channel axis before contiguous runs
    public void Sums_have_the_same_bits_at_any_thread_count(int outer, int channels, int inner)
    {
        var random = new Random(outer * channels);
        int size = outer * channels * inner;
        var x = Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 4 + 3)).ToArray();
        var dy = Enumerable.Range(0, size).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar })
            ThreadCounts.SameBits($"{level}", () =>
            {
                var mean = new float[channels];
                var variance = new float[channels];
                var sumDy = new float[channels];
                var sumDyX = new float[channels];
                fixed (float* px = x, pdy = dy, pm = mean, pv = variance, ps = sumDy, psx = sumDyX)
                {
                    BatchNorm.Moments(level, px, outer, channels, inner, pm, pv);
                    BatchNorm.GradientSums(level, px, pdy, outer, channels, inner, pm, ps, psx);
                }
                return [mean, variance, sumDy, sumDyX];
            });
    }

    [Theory]
    [InlineData(64, 6272, 1)]  // the DCGAN generator's dense layer: channels last, one row per image
    [InlineData(1, 37, 1)]     // one row, a vector tail of channels
    [InlineData(1403, 24, 1)]  // rows in ranges that split unevenly
    [InlineData(5, 3, 49)]     // a channel axis before contiguous runs
    public void A_fused_leaky_relu_gives_the_bits_of_the_separate_pass(int outer, int channels, int inner)
    {
        var random = new Random(outer * 7 + channels);
        int size = outer * channels * inner;
        float[] Values(int count, double low, double high) =>
            Enumerable.Range(0, count).Select(_ => (float)(low + random.NextDouble() * (high - low))).ToArray();
        var x = Values(size, -2, 2);
        var dy = Values(size, -1, 1);
        var (a, b, c, mean) = (Values(channels, -1, 1), Values(channels, -1, 1), Values(channels, -1, 1), Values(channels, -0.5, 0.5));
        const float slope = 0.2f;
        int saved = Parallelism.Threads;
        try
        {
            foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Scalar })
                foreach (int threads in new[] { 1, 2 })
                {
                    Parallelism.Threads = threads;
                    var (y, sums, dx) = (new float[size], new float[2 * channels], new float[size]);
                    var (fused, fusedSums, fusedDx) = (new float[size], new float[2 * channels], new float[size]);
                    fixed (float* px = x, pdy = dy, pa = a, pb = b, pc = c, pm = mean, py = y, ps = sums, pdx = dx, pf = fused, pfs = fusedSums, pfdx = fusedDx)
                    {
                        // Apart: the normalization, then the leaky ReLU; dy through its derivative, then the backward passes.
                        BatchNorm.Apply(level, px, outer, channels, inner, pa, pc, py);
                        for (int i = 0; i < size; i++) py[i] = py[i] > 0f ? py[i] : py[i] * slope;
                        var through = new float[size];
                        for (int i = 0; i < size; i++) through[i] = py[i] > 0f ? dy[i] : dy[i] * slope;
                        fixed (float* pt = through)
                        {
                            BatchNorm.GradientSums(level, px, pt, outer, channels, inner, pm, ps, ps + channels);
                            BatchNorm.Combine(level, pt, px, outer, channels, inner, pa, pb, pc, pdx);
                        }
                        BatchNorm.Apply(level, px, outer, channels, inner, pa, pc, pf, new BatchNorm.LeakyRelu(slope));
                        var leak = new BatchNorm.LeakyRelu(slope, pf);
                        BatchNorm.GradientSums(level, px, pdy, outer, channels, inner, pm, pfs, pfs + channels, leak);
                        BatchNorm.Combine(level, pdy, px, outer, channels, inner, pa, pb, pc, pfdx, leak);
                    }
                    ThreadCounts.Identical($"{level}, {threads} thread(s)", [y, sums, dx], [fused, fusedSums, fusedDx]);
                }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}

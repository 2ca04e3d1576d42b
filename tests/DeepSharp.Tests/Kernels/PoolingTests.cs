using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>The pooling kernels against their definition, on each vector width, with one and two threads.</summary>
public unsafe class PoolingTests
{
    // batch, height, width, channels, pool h, pool w, stride h, stride w, same
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 2, 26, 26, 32, 2, 2, 2, 2, 0 },  // the seed CNN's first pooling: disjoint, covering
        new[] { 3, 11, 11, 64, 2, 2, 2, 2, 0 },  // odd size: the last row and column are in no window
        new[] { 1, 9, 10, 5, 3, 3, 2, 2, 1 },    // overlapping windows, same padding, channels not a multiple of 16
        new[] { 2, 7, 6, 17, 3, 2, 1, 1, 0 },    // overlapping, stride 1
        new[] { 1, 8, 8, 3, 2, 2, 3, 3, 0 },     // strides beyond the pool: gaps
        new[] { 2, 7, 7, 16, 2, 2, 2, 2, 1 },    // 2×2 pairs with same padding: the last windows are clipped
    };

    [Theory]
    [InlineData(2, 26, 26, 32)]
    [InlineData(3, 11, 11, 64)]
    public void Two_by_two_max_pooling_takes_the_first_largest_on_ties_on_every_path(int batch, int height, int width, int channels)
    {
        var g = DeepSharp.Ops.PoolingShape("test", new TensorShape(batch, height, width, channels), (2, 2), (2, 2), false);
        var random = new Random(5);
        var x = Enumerable.Range(0, batch * height * width * channels).Select(_ => (float)random.Next(3)).ToArray(); // many ties
        int outputs = g.Batch * g.OutputHeight * g.OutputWidth * g.Channels;
        var expected = new int[outputs];
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                    for (int c = 0; c < channels; c++)
                    {
                        int best = -1;
                        for (int dh = 0; dh < 2; dh++)
                            for (int dw = 0; dw < 2; dw++)
                            {
                                int at = ((n * height + 2 * oh + dh) * width + 2 * ow + dw) * channels + c;
                                if (best < 0 || x[at] > x[best]) best = at;
                            }
                        expected[((n * g.OutputHeight + oh) * g.OutputWidth + ow) * channels + c] = best;
                    }
        foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar })
        {
            var y = new float[outputs];
            var indices = new int[outputs];
            fixed (float* px = x, py = y)
            fixed (int* pi = indices)
                Pooling.MaxForward(level, g, px, py, pi);
            Assert.Equal(expected, indices);
            Assert.Equal(expected.Select(i => x[i]).ToArray(), y);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Max_and_average_pooling_match_the_definition(int[] s)
    {
        var g = DeepSharp.Ops.PoolingShape("test", new TensorShape(s[0], s[1], s[2], s[3]), (s[4], s[5]), (s[6], s[7]), s[8] == 1);
        var random = new Random(s.Sum());
        var x = Enumerable.Range(0, s[0] * s[1] * s[2] * s[3]).Select(_ => (float)random.NextDouble()).ToArray();
        int outputs = g.Batch * g.OutputHeight * g.OutputWidth * g.Channels;
        var dy = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var (maxY, maxDx, avgY, avgDx) = Reference(g, x, dy);

        int saved = Parallelism.Threads;
        try
        {
            foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar })
                foreach (int threads in new[] { 1, 2 })
                {
                    Parallelism.Threads = threads;
                    var y = new float[outputs];
                    var indices = new int[outputs];
                    var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray(); // every element must be written
                    fixed (float* px = x, py = y, pdy = dy, pdx = dx)
                    fixed (int* pi = indices)
                    {
                        Pooling.MaxForward(level, g, px, py, pi);
                        Pooling.MaxBackward(level, g, pdy, pi, pdx);
                        Assert.Equal(maxY, y);
                        Assert.Equal(maxDx, dx);
                        Pooling.AverageForward(level, g, px, py);
                        Pooling.AverageBackward(level, g, pdy, pdx);
                    }
                    Ops.OpAssert.Close(avgY, y, 1e-5, 1e-6);
                    Ops.OpAssert.Close(avgDx, dx, 1e-5, 1e-6);
                }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    private static (float[] MaxY, float[] MaxDx, float[] AvgY, float[] AvgDx) Reference(in PoolingGeometry g, float[] x, float[] dy)
    {
        int outputs = dy.Length;
        var maxY = new float[outputs];
        var avgY = new float[outputs];
        var maxDx = new float[x.Length];
        var avgDx = new double[x.Length];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        int o = ((n * g.OutputHeight + oh) * g.OutputWidth + ow) * g.Channels + c;
                        float best = float.NegativeInfinity;
                        int at = -1, count = 0;
                        double sum = 0;
                        for (int ih = oh * g.StrideHeight - g.PadTop; ih < oh * g.StrideHeight - g.PadTop + g.PoolHeight; ih++)
                            for (int iw = ow * g.StrideWidth - g.PadLeft; iw < ow * g.StrideWidth - g.PadLeft + g.PoolWidth; iw++)
                            {
                                if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) continue;
                                int i = ((n * g.Height + ih) * g.Width + iw) * g.Channels + c;
                                if (at < 0 || x[i] > best) { best = x[i]; at = i; }
                                sum += x[i];
                                count++;
                            }
                        maxY[o] = best;
                        maxDx[at] += dy[o];
                        avgY[o] = (float)(sum / count);
                        for (int ih = oh * g.StrideHeight - g.PadTop; ih < oh * g.StrideHeight - g.PadTop + g.PoolHeight; ih++)
                            for (int iw = ow * g.StrideWidth - g.PadLeft; iw < ow * g.StrideWidth - g.PadLeft + g.PoolWidth; iw++)
                                if (ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width)
                                    avgDx[((n * g.Height + ih) * g.Width + iw) * g.Channels + c] += dy[o] / (double)count;
                    }
        return (maxY, maxDx, avgY, Array.ConvertAll(avgDx, v => (float)v));
    }
}

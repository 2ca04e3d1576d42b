using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The depthwise convolution kernel against its definition, at every vector width and with one and two threads: the
/// same bits everywhere (sums run in one fixed order per lane, kernel gradients in fixed chunks).
/// </summary>
public unsafe class DepthwiseConvolutionTests
{
    // batch, height, width, channels, multiplier, kernel h, kernel w, stride h, stride w, dilation h, dilation w, same
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 2, 7, 9, 3, 1, 3, 3, 1, 1, 1, 1, 0 },    // few channels: all in the one-lane tail
        new[] { 2, 8, 11, 37, 1, 3, 3, 1, 1, 1, 1, 1 },  // whole 16-, 8- and 4-lane groups and a tail, interior groups of four pixels
        new[] { 1, 9, 10, 5, 3, 3, 2, 2, 2, 1, 1, 1 },   // multiplier 3, stride 2, asymmetric "same" padding
        new[] { 2, 7, 7, 6, 2, 3, 3, 1, 1, 2, 2, 1 },    // dilation
        new[] { 1, 4, 30, 16, 1, 1, 5, 1, 3, 1, 1, 0 },  // a sequence-like row: 1×5 kernel, stride 3
        new[] { 24, 14, 14, 32, 1, 3, 3, 1, 1, 1, 1, 1 }, // large enough to split over threads and into several gradient chunks
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_width_and_thread_count_gives_the_definition_in_the_same_bits(int[] s)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(s[0], s[1], s[2], s[3]), s[5], s[6], s[3], s[3] * s[4],
            (s[7], s[8]), s[11] == 1, (s[9], s[10]));
        var random = new Random(s.Sum());
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int taps = g.KernelHeight * g.KernelWidth;
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(taps * g.Filters);
        var bias = Values(g.Filters);
        var dy = Values(g.Rows * g.Filters);
        var (expected, dx, dw, db) = Definition(g, x, w, bias, dy);

        float[][]? reference = null;
        int saved = Parallelism.Threads;
        try
        {
            foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar })
                foreach (int threads in new[] { 1, 2 })
                {
                    Parallelism.Threads = threads;
                    var results = new[] { new float[expected.Length], new float[x.Length], new float[w.Length], new float[bias.Length] };
                    using (Simd.Force(level))
                    fixed (float* px = x, pw = w, pb = bias, pdy = dy, py = results[0], pgx = results[1], pgw = results[2], pgb = results[3])
                    {
                        DepthwiseConvolution.Forward(g, px, pw, pb, py);
                        DepthwiseConvolution.Backward(g, px, pw, pdy, pgx, pgw, pgb);
                    }
                    string where = $"{level}, {threads} thread(s)";
                    Close(expected, results[0], where + ", output");
                    Close(dx, results[1], where + ", input gradient");
                    Close(dw, results[2], where + ", kernel gradient");
                    Close(db, results[3], where + ", bias gradient");
                    reference ??= results;
                    for (int r = 0; r < results.Length; r++)
                        Assert.True(reference[r].AsSpan().SequenceEqual(results[r]), $"{where}: result {r} differs in its bits from {SimdLevel.Vector512}, 1 thread.");
                }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    /// <summary>The depthwise convolution and its gradients straight from the definition, in double.</summary>
    private static (float[] Y, float[] DX, float[] DW, float[] DB) Definition(in ConvolutionGeometry g, float[] x, float[] w, float[] bias, float[] dy)
    {
        int e = g.Filters, m = e / g.Channels;
        var y = new double[g.Rows * e];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[e];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                {
                    long o = ((long)(n * g.OutputHeight + oh) * g.OutputWidth + ow) * e;
                    for (int k = 0; k < e; k++)
                    {
                        double sum = bias[k];
                        db[k] += dy[o + k];
                        for (int kh = 0; kh < g.KernelHeight; kh++)
                            for (int kw = 0; kw < g.KernelWidth; kw++)
                            {
                                int ih = oh * g.StrideHeight - g.PadTop + kh * g.DilationHeight;
                                int iw = ow * g.StrideWidth - g.PadLeft + kw * g.DilationWidth;
                                if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) continue;
                                long xi = ((long)(n * g.Height + ih) * g.Width + iw) * g.Channels + k / m;
                                long wi = (kh * g.KernelWidth + kw) * e + k;
                                sum += x[xi] * (double)w[wi];
                                dx[xi] += dy[o + k] * (double)w[wi];
                                dw[wi] += dy[o + k] * (double)x[xi];
                            }
                        y[o + k] = sum;
                    }
                }
        static float[] F(double[] v) => v.Select(d => (float)d).ToArray();
        return (F(y), F(dx), F(dw), F(db));
    }

    private static void Close(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 + 1e-4 * Math.Abs(expected[i]),
                $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }
}

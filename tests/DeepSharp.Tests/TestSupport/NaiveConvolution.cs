using DeepSharp.Kernels;

namespace DeepSharp.Tests.TestSupport;

/// <summary>Convolution by its definition, in double precision: the reference the kernels are checked against.</summary>
internal static class NaiveConvolution
{
    /// <summary>
    /// A random problem of <paramref name="g"/> with a ReLU, values in [−1, 1) drawn from <paramref name="seed"/> (input,
    /// kernel, bias, output gradient, in that order): the forward output <c>Y</c> and the output gradient as it reaches
    /// the convolution through the ReLU (<c>Masked</c>: zero where <c>Y</c> is not positive).
    /// </summary>
    public static (float[] X, float[] W, float[] Bias, float[] Dy, float[] Y, float[] Masked) RandomReluProblem(in ConvolutionGeometry g, int seed)
    {
        var random = new Random(seed);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        var dy = Values(g.Rows * g.Filters);
        var y = Forward(g, x, w, bias, relu: true);
        return (x, w, bias, dy, y, dy.Select((v, i) => y[i] > 0 ? v : 0f).ToArray());
    }

    /// <summary>y[n, oh, ow, f] = Σ x[n, ih, iw, c] · w[kh, kw, c, f] (+ bias, then ReLU when asked).</summary>
    public static float[] Forward(in ConvolutionGeometry g, float[] x, float[] w, float[]? bias, bool relu)
    {
        var y = new float[g.Rows * g.Filters];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                    for (int f = 0; f < g.Filters; f++)
                    {
                        double s = bias?[f] ?? 0;
                        for (int kh = 0; kh < g.KernelHeight; kh++)
                            for (int kw = 0; kw < g.KernelWidth; kw++)
                            {
                                int ih = oh * g.StrideHeight - g.PadTop + kh * g.DilationHeight;
                                int iw = ow * g.StrideWidth - g.PadLeft + kw * g.DilationWidth;
                                if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) continue;
                                for (int c = 0; c < g.Channels; c++)
                                    s += (double)x[((n * g.Height + ih) * g.Width + iw) * g.Channels + c] *
                                         w[((kh * g.KernelWidth + kw) * g.Channels + c) * g.Filters + f];
                            }
                        y[((n * g.OutputHeight + oh) * g.OutputWidth + ow) * g.Filters + f] = relu && s <= 0 ? 0f : (float)s;
                    }
        return y;
    }

    /// <summary>Gradients of Σ y·dy with respect to x, w and the bias (dy already through the activation).</summary>
    public static (float[] Dx, float[] Dw, float[] Db) Backward(in ConvolutionGeometry g, float[] x, float[] w, float[] dy)
    {
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[g.Filters];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                    for (int f = 0; f < g.Filters; f++)
                    {
                        double d = dy[((n * g.OutputHeight + oh) * g.OutputWidth + ow) * g.Filters + f];
                        db[f] += d;
                        for (int kh = 0; kh < g.KernelHeight; kh++)
                            for (int kw = 0; kw < g.KernelWidth; kw++)
                            {
                                int ih = oh * g.StrideHeight - g.PadTop + kh * g.DilationHeight;
                                int iw = ow * g.StrideWidth - g.PadLeft + kw * g.DilationWidth;
                                if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) continue;
                                for (int c = 0; c < g.Channels; c++)
                                {
                                    int xi = ((n * g.Height + ih) * g.Width + iw) * g.Channels + c;
                                    int wi = ((kh * g.KernelWidth + kw) * g.Channels + c) * g.Filters + f;
                                    dx[xi] += d * w[wi];
                                    dw[wi] += d * x[xi];
                                }
                            }
                    }
        return (ToFloat(dx), ToFloat(dw), ToFloat(db));
    }

    private static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);
}

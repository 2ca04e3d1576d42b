using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Winograd F(2×2, 3×3) against the definition and against the direct (im2col GEMM) path. The stated tolerance:
/// each output within 1e-5 of the sum of the absolute values of the terms it adds up (Σ|x·w| + |bias|), about
/// a hundred float rounding steps of the largest term, where the transforms' sums and differences lose a few.
/// </summary>
public unsafe class WinogradConvolutionTests
{
    // batch, height, width, channels, filters, same
    private static readonly (int Batch, int Height, int Width, int Channels, int Filters, bool Same)[] AllShapes =
    [
        (3, 13, 13, 32, 64, false),  // the seed CNN's second convolution: 11×11 output, half tiles at the edges
        (1, 13, 13, 32, 64, false),  // the same at batch 1 (Predict)
        (2, 8, 8, 16, 16, true),     // same padding, even size
        (1, 7, 9, 20, 33, true),     // odd sizes, a channel tail (20 = 16 + 4), a filter tail and a padded panel
        (5, 5, 6, 8, 16, false),     // 3×4 output, the fewest channels taken
        (2, 12, 12, 40, 340, false), // filters over many panels
        (1, 4, 30, 330, 24, true),   // channels past one k block (two blocks of 165)
        (17, 6, 6, 24, 32, true),    // many images: tiles over several blocks and threads
        (1, 4, 4, 8, 16, false),     // one tile
    ];

    public static TheoryData<int, int, int, int, int, bool> Shapes => ShapesWhere(_ => true);

    /// <summary>The shapes whose input gradient takes the Winograd path: its own convolution has the filters as
    /// channels and the channels as filters, so it needs at least 8 filters and 16 channels.</summary>
    public static TheoryData<int, int, int, int, int, bool> InputGradientShapes => ShapesWhere(s => s.Channels >= 16 && s.Filters >= 8);

    private static TheoryData<int, int, int, int, int, bool> ShapesWhere(Func<(int Batch, int Height, int Width, int Channels, int Filters, bool Same), bool> keep)
    {
        var data = new TheoryData<int, int, int, int, int, bool>();
        foreach (var s in AllShapes.Where(keep)) data.Add(s.Batch, s.Height, s.Width, s.Channels, s.Filters, s.Same);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_the_definition_and_the_direct_path(int batch, int height, int width, int channels, int filters, bool same)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, height, width, channels), 3, 3, channels, filters, (1, 1), same, (1, 1));
        if (!Avx512F.IsSupported)
        {
            // The kernel exists only with AVX-512; elsewhere the direct path must run.
            Assert.False(WinogradConvolution.Applies(g), "without AVX-512 the Winograd path must not be taken");
            return;
        }
        Assert.True(WinogradConvolution.Applies(g) || !WinogradConvolution.Enabled, "the shape should take the Winograd path");
        var random = new Random(batch * 1000 + height * 100 + channels + filters);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        var expected = NaiveConvolution.Forward(g, x, w, bias, relu: true);
        var scale = NaiveConvolution.Forward(g, Array.ConvertAll(x, Math.Abs), Array.ConvertAll(w, Math.Abs), Array.ConvertAll(bias, Math.Abs), relu: false);

        var direct = new float[expected.Length];
        fixed (float* px = x, pw = w, pb = bias, py = direct)
            ConvolutionDriver<GemmKernel512>.Forward(g, px, pw, pb, FusedActivation.Relu, py);
        ThreadCounts.SameBits("winograd forward", () =>
        {
            var y = new float[expected.Length];
            fixed (float* px = x, pw = w, pb = bias, py = y)
                WinogradConvolution.Forward(g, px, pw, pb, FusedActivation.Relu, py);
            return [y];
        }, ThreadCounts.OneTwoThree);

        var winograd = new float[expected.Length];
        fixed (float* px = x, pw = w, pb = bias, py = winograd)
            WinogradConvolution.Forward(g, px, pw, pb, FusedActivation.Relu, py);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * scale[i] + 1e-7;
            Assert.True(Math.Abs(winograd[i] - expected[i]) <= tolerance, $"output {i}: {winograd[i]}, expected {expected[i]} (tolerance {tolerance})");
            Assert.True(Math.Abs(winograd[i] - direct[i]) <= 2 * tolerance, $"output {i}: {winograd[i]}, direct path {direct[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(InputGradientShapes))]
    public void Input_gradient_matches_the_definition(int batch, int height, int width, int channels, int filters, bool same)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, height, width, channels), 3, 3, channels, filters, (1, 1), same, (1, 1));
        if (!Avx512F.IsSupported)
        {
            Assert.False(WinogradConvolution.TakesInputGradient(g), "without AVX-512 the Winograd path must not be taken");
            return;
        }
        Assert.True(WinogradConvolution.TakesInputGradient(g) || !WinogradConvolution.Enabled, "the shape should take the Winograd path");
        var (x, w, bias, dy, y, masked) = NaiveConvolution.RandomReluProblem(g, batch * 1000 + height * 100 + channels + filters + 1);
        var (dx, dw, db) = NaiveConvolution.Backward(g, x, w, masked);
        var (scale, _, _) = NaiveConvolution.Backward(g, x, Array.ConvertAll(w, Math.Abs), Array.ConvertAll(masked, Math.Abs));

        float[][] Run()
        {
            var gx = new float[x.Length];
            var gw = new float[w.Length];
            var gb = new float[bias.Length];
            Array.Fill(gx, float.NaN); // every element is written
            fixed (float* px = x, pw = w, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb)
                Convolution.Backward(SimdLevel.Vector512, g, px, pw, pdy, py, FusedActivation.Relu, pgx, pgw, pgb);
            return [gx, gw, gb];
        }
        ThreadCounts.SameBits("winograd input gradient", Run, ThreadCounts.OneTwoThree);
        var result = Run();
        for (int i = 0; i < dx.Length; i++)
        {
            double tolerance = 1e-5 * scale[i] + 1e-7;
            Assert.True(Math.Abs(result[0][i] - dx[i]) <= tolerance, $"input gradient {i}: {result[0][i]}, expected {dx[i]} (tolerance {tolerance})");
        }
        for (int i = 0; i < dw.Length; i++)
            Assert.True(Math.Abs(result[1][i] - dw[i]) <= 1e-4 + 1e-4 * Math.Abs(dw[i]), $"kernel gradient {i}: {result[1][i]}, expected {dw[i]}");
        for (int i = 0; i < db.Length; i++)
            Assert.True(Math.Abs(result[2][i] - db[i]) <= 1e-4 + 1e-4 * Math.Abs(db[i]), $"bias gradient {i}: {result[2][i]}, expected {db[i]}");
    }

    [Fact]
    public void Forward_without_bias_or_activation_keeps_negative_outputs()
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(2, 6, 5, 9), 3, 3, 9, 17, (1, 1), true, (1, 1));
        if (!Avx512F.IsSupported)
        {
            Assert.False(WinogradConvolution.Applies(g), "without AVX-512 the Winograd path must not be taken");
            return;
        }
        var random = new Random(5);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var expected = NaiveConvolution.Forward(g, x, w, null, relu: false);
        var y = new float[expected.Length];
        fixed (float* px = x, pw = w, py = y)
            WinogradConvolution.Forward(g, px, pw, null, FusedActivation.None, py);
        Assert.Contains(y, v => v < 0);
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-4, $"output {i}: {y[i]}, expected {expected[i]}");
    }

    [Theory]
    [InlineData(3, 1, 32, false)] // one input channel: the first layer keeps its direct kernel
    [InlineData(3, 8, 8, false)]  // too few filters
    [InlineData(2, 32, 64, true)] // stride 2
    public void Applies_only_where_it_pays(int kernel, int channels, int filters, bool strided)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(1, 12, 12, channels), kernel, kernel, channels, filters,
            strided ? (2, 2) : (1, 1), false, (1, 1));
        Assert.False(WinogradConvolution.Applies(g));
    }

    [Theory]
    [InlineData(2, 1, true)]   // a ResNet stage's first convolution: 3×3, stride 2, same padding
    [InlineData(2, 1, false)]
    [InlineData(1, 2, true)]   // dilated
    public void Strided_or_dilated_convolutions_keep_the_direct_input_gradient_and_it_matches_the_definition(int stride, int dilation, bool same)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(2, 14, 14, 32), 3, 3, 32, 64, (stride, stride), same, (dilation, dilation));
        Assert.False(WinogradConvolution.TakesInputGradient(g));
        var random = new Random(stride * 10 + dilation);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var dy = Values(g.Rows * g.Filters);
        var (dx, _, _) = NaiveConvolution.Backward(g, x, w, dy);
        var (scale, _, _) = NaiveConvolution.Backward(g, x, Array.ConvertAll(w, Math.Abs), Array.ConvertAll(dy, Math.Abs));
        var gx = new float[x.Length];
        var gw = new float[w.Length];
        var gb = new float[g.Filters];
        fixed (float* px = x, pw = w, pdy = dy, pgx = gx, pgw = gw, pgb = gb)
            Convolution.Backward(SimdLevel.Vector512, g, px, pw, pdy, null, FusedActivation.None, pgx, pgw, pgb);
        for (int i = 0; i < dx.Length; i++)
            Assert.True(Math.Abs(gx[i] - dx[i]) <= 1e-5 * scale[i] + 1e-6, $"input gradient {i}: {gx[i]}, expected {dx[i]}");
    }
}

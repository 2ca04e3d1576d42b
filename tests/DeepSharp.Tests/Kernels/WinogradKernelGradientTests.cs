using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The kernel and bias gradients by Winograd F(2×2, 3×3) against the definition (computed in double) and against the
/// GEMM path: each within 1e-5 of the sum of the absolute values of the terms it adds up, through the ReLU's derivative.
/// </summary>
public unsafe class WinogradKernelGradientTests
{
    // batch, height, width, channels, filters, same
    public static TheoryData<int, int, int, int, int, bool> Shapes => new()
    {
        { 3, 13, 13, 32, 64, false },  // the seed CNN's second convolution: 11×11 output, half tiles at the edges
        { 1, 13, 13, 32, 64, false },  // batch 1
        { 2, 8, 8, 16, 16, true },     // same padding, even size
        { 1, 7, 9, 20, 33, true },     // odd sizes, a channel tail (20 = 16 + 4), a filter tail and a padded panel
        { 5, 5, 6, 8, 16, false },     // 3×4 output, the fewest channels taken
        { 2, 12, 12, 40, 70, false },  // channels past one micro-kernel tile, filters over three panels
        { 19, 6, 6, 24, 32, true },    // many images: tiles over several blocks
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_definition_and_the_gemm_path(int batch, int height, int width, int channels, int filters, bool same)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, height, width, channels), 3, 3, channels, filters, (1, 1), same, (1, 1));
        if (!WinogradKernelGradient.Applies(g)) return; // no AVX-512 (or switched off): the GEMM path runs, tested elsewhere
        var (x, w, bias, dy, y, masked) = NaiveConvolution.RandomReluProblem(g, batch * 1000 + height * 100 + channels + filters + 2);
        var (_, dw, db) = NaiveConvolution.Backward(g, x, w, masked);
        var (_, scaleW, scaleB) = NaiveConvolution.Backward(g, Array.ConvertAll(x, Math.Abs), w, Array.ConvertAll(masked, Math.Abs));

        var gemmW = new float[w.Length];
        var gemmB = new float[bias.Length];
        fixed (float* px = x, pw = w, py = y, pdy = dy, pgw = gemmW, pgb = gemmB)
            ConvolutionDriver<GemmKernel512>.Backward(g, px, pw, pdy, py, FusedActivation.Relu, null, pgw, pgb);

        var winogradW = new float[w.Length];
        var winogradB = new float[bias.Length];
        var transformed = new float[WinogradKernelGradient.TransformedSize(g)];
        fixed (float* px = x, py = y, pdy = dy, pt = transformed, pgw = winogradW, pgb = winogradB)
        {
            WinogradKernelGradient.Accumulate(g, px, pdy, py, relu: true, pt);
            WinogradKernelGradient.Finish(g, pt, pgw, pgb);
        }
        for (int i = 0; i < dw.Length; i++)
        {
            double tolerance = 1e-5 * scaleW[i] + 1e-7;
            Assert.True(Math.Abs(winogradW[i] - dw[i]) <= tolerance, $"kernel gradient {i}: {winogradW[i]}, expected {dw[i]} (tolerance {tolerance})");
            Assert.True(Math.Abs(winogradW[i] - gemmW[i]) <= 2 * tolerance, $"kernel gradient {i}: {winogradW[i]}, GEMM path {gemmW[i]}");
        }
        for (int i = 0; i < db.Length; i++)
        {
            double tolerance = 1e-5 * scaleB[i] + 1e-7;
            Assert.True(Math.Abs(winogradB[i] - db[i]) <= tolerance, $"bias gradient {i}: {winogradB[i]}, expected {db[i]} (tolerance {tolerance})");
        }
    }

    [Fact]
    public void Gradients_accumulate_over_calls_and_a_null_target_is_skipped()
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(4, 9, 9, 16), 3, 3, 16, 32, (1, 1), true, (1, 1));
        if (!WinogradKernelGradient.Applies(g)) return;
        var random = new Random(9);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var dy = Values(g.Rows * g.Filters);
        var half = g;
        half.Batch = 2;
        var whole = new float[WinogradKernelGradient.TransformedSize(g)];
        var halves = new float[whole.Length];
        var dwWhole = new float[g.Patch * g.Filters];
        var dwHalves = new float[dwWhole.Length];
        var db = new float[g.Filters];
        fixed (float* px = x, pdy = dy, pw = whole, ph = halves, pdw = dwWhole, pdh = dwHalves, pdb = db)
        {
            WinogradKernelGradient.Accumulate(g, px, pdy, null, relu: false, pw);
            WinogradKernelGradient.Accumulate(half, px, pdy, null, relu: false, ph);
            WinogradKernelGradient.Accumulate(half, px + 2 * g.ImageSize, pdy + 2 * g.OutputPixels * g.Filters, null, relu: false, ph);
            WinogradKernelGradient.Finish(g, pw, pdw, null);
            WinogradKernelGradient.Finish(g, ph, pdh, pdb);
        }
        for (int i = 0; i < dwWhole.Length; i++)
            Assert.True(Math.Abs(dwWhole[i] - dwHalves[i]) <= 1e-4, $"kernel gradient {i}: whole batch {dwWhole[i]}, two halves {dwHalves[i]}");
        var (_, _, expectedDb) = NaiveConvolution.Backward(g, x, new float[g.Patch * g.Filters], dy);
        for (int f = 0; f < g.Filters; f++) Assert.True(Math.Abs(db[f] - expectedDb[f]) <= 1e-4, $"bias gradient {f}: {db[f]}, expected {expectedDb[f]}");
    }
}

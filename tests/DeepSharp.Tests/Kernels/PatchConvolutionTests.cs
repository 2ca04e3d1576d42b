using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Convolutions whose windows tile the image (<see cref="PatchConvolution"/>): the GEMM path they take against the
/// definition and against the direct kernel they took before (their sums are added in another order, so within
/// rounding), with the same bits at any thread count.
/// </summary>
public unsafe class PatchConvolutionTests
{
    // batch, height, width, channels, patch height, patch width, filters
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 3, 28, 28, 1, 7, 7, 64 },   // the vit's patch embedding: 4 patches a row
        new[] { 2, 30, 29, 1, 4, 4, 40 },   // rows and columns left past the last window; an edge panel of filters
        new[] { 5, 12, 12, 1, 2, 2, 33 },   // small patches, rows of six
        new[] { 2, 14, 14, 1, 14, 14, 16 }, // one window of 196 taps (too many for the direct kernel)
        new[] { 2, 16, 16, 3, 4, 4, 24 },   // three channels (always the GEMM path)
        new[] { 3, 20, 12, 1, 5, 3, 20 },   // rectangular patches
        new[] { 1, 9, 9, 1, 3, 3, 7 },      // one image of 3×3 patches and 7 filters
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_gemm_path_matches_the_definition_and_the_direct_kernel(int[] s)
    {
        var g = Geometry(s);
        Assert.True(PatchConvolution.Tiles(g));
        var (x, w, bias, dy, expected, masked) = NaiveConvolution.RandomReluProblem(g, s.Sum());
        var (dx, dw, db) = NaiveConvolution.Backward(g, x, w, masked);
        bool saved = PatchConvolution.Enabled;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var results = new float[2][][];
                foreach (bool gemm in new[] { true, false })
                {
                    PatchConvolution.Enabled = gemm;
                    var r = ThreadCounts.At(threads, () => Run(g, x, w, bias, dy));
                    string where = $"{(gemm ? "gemm" : "direct")}, {threads} thread(s)";
                    Close(expected, r[0], where + ", output");
                    Close(dx, r[1], where + ", input gradient");
                    Close(dw, r[2], where + ", kernel gradient");
                    Close(db, r[3], where + ", bias gradient");
                    Close(dw, r[4], where + ", kernel gradient alone");
                    Close(db, r[5], where + ", bias gradient alone");
                    results[gemm ? 0 : 1] = r;
                }
                for (int i = 0; i < results[0].Length; i++) Close(results[1][i], results[0][i], $"gemm against direct, result {i}, {threads} thread(s)");
            }
        }
        finally
        {
            PatchConvolution.Enabled = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_gemm_path_has_the_same_bits_at_any_thread_count(int[] s)
    {
        var g = Geometry(s);
        var (x, w, bias, dy, _, _) = NaiveConvolution.RandomReluProblem(g, s.Sum() + 1);
        bool saved = PatchConvolution.Enabled;
        try
        {
            PatchConvolution.Enabled = true;
            ThreadCounts.SameBits("patches", () => Run(g, x, w, bias, dy));
        }
        finally
        {
            PatchConvolution.Enabled = saved;
        }
    }

    /// <summary>Forward with a fused ReLU; backward with and without the input gradient (a first layer needs none).</summary>
    private static float[][] Run(in ConvolutionGeometry g, float[] x, float[] w, float[] bias, float[] dy)
    {
        var y = new float[g.Rows * g.Filters];
        var (gx, gw, gb) = (new float[x.Length], new float[w.Length], new float[bias.Length]);
        var (alone, aloneBias) = (new float[w.Length], new float[bias.Length]);
        fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb, pa = alone, pab = aloneBias)
        {
            Convolution.Forward(g, px, pw, pb, FusedActivation.Relu, py);
            Convolution.Backward(g, px, pw, pdy, py, FusedActivation.Relu, pgx, pgw, pgb);
            Convolution.Backward(g, px, pw, pdy, py, FusedActivation.Relu, null, pa, pab);
        }
        return [y, gx, gw, gb, alone, aloneBias];
    }

    private static ConvolutionGeometry Geometry(int[] s) =>
        DeepSharp.Ops.ConvolutionShape("test", new TensorShape(s[0], s[1], s[2], s[3]), s[4], s[5], s[3], s[6], (s[4], s[5]), false, (1, 1));

    private static void Close(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 + 1e-4 * Math.Abs(expected[i]),
                $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }
}

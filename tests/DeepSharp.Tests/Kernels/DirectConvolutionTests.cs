using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The direct kernel of single-channel convolutions: rows narrower than a group of pixels taken two at a time, and the
/// kernel gradient of small images summed over runs of images.
/// </summary>
public unsafe class DirectConvolutionTests
{
    // batch, height, width, kernel h, kernel w, filters, stride h, stride w, same
    public static TheoryData<int[]> NarrowShapes => new()
    {
        new[] { 3, 28, 28, 7, 7, 64, 7, 7, 0 },  // the vit's patch embedding: rows of 4
        new[] { 2, 30, 29, 4, 4, 40, 4, 4, 0 },  // rows of 7: a group of two fours, then three pixels of each row alone
        new[] { 2, 7, 5, 3, 3, 20, 1, 1, 1 },    // same padding (the padded copy of each image), 7 rows of 5: the last alone
        new[] { 5, 9, 11, 3, 3, 33, 2, 2, 1 },   // stride 2, rows of 6, 5 rows an image, an edge block of filters
    };

    [Theory]
    [MemberData(nameof(NarrowShapes))]
    public void Rows_in_pairs_give_the_bits_of_one_pixel_at_a_time(int[] s)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(s[0], s[1], s[2], 1), s[3], s[4], 1, s[5], (s[6], s[7]), s[8] == 1, (1, 1));
        if (!Avx512F.IsSupported)
        {
            // The kernel exists only with AVX-512; elsewhere the GEMM path must run.
            Assert.False(DirectConvolution.Applies(g), "without AVX-512 the direct kernel must not be taken");
            return;
        }
        Assert.InRange(g.OutputWidth, 4, 7);
        var (x, w, bias, _, _, _) = NaiveConvolution.RandomReluProblem(g, s.Sum());
        var mask = Enumerable.Range(0, g.Rows * g.Filters).Select(i => i % 3 == 0 ? 0f : 1.5f).ToArray();
        bool saved = DirectConvolution.PairRows;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var results = new float[2][][];
                foreach (bool pairs in new[] { true, false })
                {
                    DirectConvolution.PairRows = pairs;
                    results[pairs ? 0 : 1] = ThreadCounts.At(threads, () =>
                    {
                        var (relu, leaky) = (new float[g.Rows * g.Filters], new float[g.Rows * g.Filters]);
                        fixed (float* px = x, pw = w, pb = bias, pr = relu, pl = leaky, pm = mask)
                        {
                            DirectConvolution.Forward(g, px, pw, pb, FusedActivation.Relu, pr);
                            DirectConvolution.Forward(g, px, pw, pb, FusedActivation.LeakyRelu(0.2f, pm), pl);
                        }
                        return new[] { relu, leaky };
                    });
                }
                ThreadCounts.Identical($"pairs against single rows, {threads} thread(s)", results[1], results[0]);
            }
        }
        finally
        {
            DirectConvolution.PairRows = saved;
        }
    }

    [Theory]
    [InlineData(40, 28, 28, 7, 0)] // the vit's patch embedding: runs of 16 images cut by 8 image ranges of 5
    [InlineData(3, 28, 28, 7, 0)]  // one range of 3 images
    [InlineData(21, 12, 12, 3, 0)] // 3×3 stride 3: 16 pixels an image
    [InlineData(9, 10, 10, 3, 1)]  // same padding: each image copied, so one image a run
    public void Kernel_gradients_over_runs_of_images_match_one_image_at_a_time_and_the_definition(int batch, int height, int width, int patch, int same)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, height, width, 1), patch, patch, 1, 40, (patch, patch), same == 1, (1, 1));
        if (!Avx512F.IsSupported)
        {
            Assert.False(DirectConvolution.Applies(g), "without AVX-512 the direct kernel must not be taken");
            return;
        }
        var (x, w, _, dy, y, masked) = NaiveConvolution.RandomReluProblem(g, batch + height + patch);
        var (_, dw, db) = NaiveConvolution.Backward(g, x, w, masked);
        bool saved = DirectConvolution.ImageRuns;
        try
        {
            var results = new float[2][][];
            foreach (bool runs in new[] { true, false })
            {
                DirectConvolution.ImageRuns = runs;
                var (gw, gb) = (new float[dw.Length], new float[db.Length]);
                fixed (float* px = x, py = y, pdy = dy, pgw = gw, pgb = gb)
                    DirectConvolution.BackwardKernel(g, px, pdy, py, FusedActivation.Relu, pgw, pgb);
                Close(dw, gw, $"kernel gradient, runs {runs}");
                Close(db, gb, $"bias gradient, runs {runs}");
                results[runs ? 0 : 1] = [gw, gb];
            }
            for (int r = 0; r < 2; r++) Close(results[1][r], results[0][r], $"runs against single images, result {r}");
        }
        finally
        {
            DirectConvolution.ImageRuns = saved;
        }
    }

    private static void Close(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 + 1e-5 * Math.Abs(expected[i]),
                $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }
}

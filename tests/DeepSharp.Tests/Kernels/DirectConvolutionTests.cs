using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>The direct kernel of single-channel convolutions: rows narrower than a group of pixels taken two at a time.</summary>
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
}

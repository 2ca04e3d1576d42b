using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>The convolution kernels against the definition, on every micro-kernel and with one and two threads.</summary>
public unsafe class ConvolutionTests
{
    // batch, height, width, channels, kernel h, kernel w, filters, stride h, stride w, dilation h, dilation w, same
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 2, 7, 7, 1, 3, 3, 5, 1, 1, 1, 1, 0 },      // first layer: one channel, few filters
        new[] { 3, 13, 13, 32, 3, 3, 64, 1, 1, 1, 1, 0 },  // the seed CNN's second convolution
        new[] { 2, 9, 8, 3, 3, 3, 33, 2, 2, 1, 1, 1 },     // same, stride 2: asymmetric padding, an edge panel of filters
        new[] { 1, 10, 11, 4, 3, 2, 7, 1, 2, 2, 1, 0 },    // dilation along the height, stride along the width
        new[] { 2, 6, 7, 5, 5, 5, 3, 1, 1, 1, 1, 1 },      // kernel nearly as large as the image, same
        new[] { 1, 5, 5, 2, 1, 1, 4, 1, 1, 1, 1, 0 },      // 1×1
        new[] { 2, 8, 8, 3, 3, 3, 6, 2, 2, 2, 2, 1 },      // stride and dilation together
        new[] { 1, 30, 30, 20, 3, 3, 16, 1, 1, 1, 1, 1 },  // patches wider than one k block (180), many row blocks
        new[] { 1, 12, 12, 40, 3, 3, 340, 1, 1, 1, 1, 0 }, // filters beyond one k block of the input gradient's GEMM
        new[] { 3, 28, 28, 1, 3, 3, 32, 1, 1, 1, 1, 0 },   // the seed CNN's first convolution (direct kernel)
        new[] { 2, 11, 10, 1, 5, 5, 40, 2, 1, 1, 2, 1 },   // one channel, 25 taps, same, stride and dilation, 40 filters
        new[] { 1, 9, 9, 1, 2, 3, 7, 1, 3, 1, 1, 1 },      // one channel, even kernel, asymmetric padding
        new[] { 9, 10, 10, 64, 5, 5, 40, 2, 2, 1, 1, 1 },  // the DCGAN discriminator's 5×5 stride 2: backward blocks across images
        new[] { 1, 13, 13, 64, 5, 5, 33, 2, 2, 1, 1, 1 },  // the same at batch 1, an odd image and an edge panel of filters
        new[] { 11, 9, 9, 6, 5, 5, 20, 2, 2, 1, 1, 1 },    // many small images: a backward block holds several
        new[] { 5, 14, 14, 16, 4, 4, 24, 2, 2, 1, 1, 1 },  // the geometry of the DCGAN generator's transposed 4×4 stride 2
        new[] { 3, 28, 28, 1, 7, 7, 64, 7, 7, 1, 1, 0 },   // the vit's patch embedding: rows of 4 patches, taken two at a time
        new[] { 2, 30, 29, 1, 4, 4, 40, 4, 4, 1, 1, 0 },   // patches in rows of 7, pixels left past the last window
        new[] { 2, 16, 16, 3, 4, 4, 24, 4, 4, 1, 1, 0 },   // patches of three channels
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_and_backward_match_the_definition(int[] s)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(s[0], s[1], s[2], s[3]), s[4], s[5], s[3], s[6],
            (s[7], s[8]), s[11] == 1, (s[9], s[10]));
        var random = new Random(s.Sum());
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        var dy = Values(g.Rows * g.Filters);
        var expected = NaiveConvolution.Forward(g, x, w, bias, relu: true);
        var masked = dy.Select((v, i) => expected[i] > 0 ? v : 0f).ToArray();
        var (dx, dw, db) = NaiveConvolution.Backward(g, x, w, masked);

        int saved = Parallelism.Threads;
        try
        {
            foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar })
                foreach (int threads in new[] { 1, 2 })
                {
                    Parallelism.Threads = threads;
                    var y = new float[expected.Length];
                    var gx = new float[x.Length];
                    var gw = new float[w.Length];
                    var gb = new float[bias.Length];
                    fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb)
                    {
                        Convolution.Forward(level, g, px, pw, pb, FusedActivation.Relu, py);
                        Convolution.Backward(level, g, px, pw, pdy, py, FusedActivation.Relu, pgx, pgw, pgb);
                    }
                    string where = $"{level}, {threads} thread(s)";
                    Close(expected, y, where + ", output");
                    Close(dx, gx, where + ", input gradient");
                    Close(dw, gw, where + ", kernel gradient");
                    Close(db, gb, where + ", bias gradient");

                    // Without the input gradient (a first layer), single-channel images take the direct kernel.
                    Array.Clear(gw);
                    Array.Clear(gb);
                    fixed (float* px = x, pw = w, py = y, pdy = dy, pgw = gw, pgb = gb)
                        Convolution.Backward(level, g, px, pw, pdy, py, FusedActivation.Relu, null, pgw, pgb);
                    Close(dw, gw, where + ", kernel gradient alone");
                    Close(db, gb, where + ", bias gradient alone");
                }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    [Theory]
    [InlineData(13, 10, 10, 5, 24)] // the GEMM path: 13 images in ranges that split unevenly over 2 and 3 threads
    [InlineData(11, 28, 28, 1, 32)] // one channel: the direct kernel gradient on AVX-512 machines
    public void Gradients_have_the_same_bits_at_any_thread_count(int batch, int height, int width, int channels, int filters)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, height, width, channels), 3, 3, channels, filters, (1, 1), false, (1, 1));
        var random = new Random(batch + channels);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        var dy = Values(g.Rows * g.Filters);
        foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar })
            ThreadCounts.SameBits($"{level}", () =>
            {
                var y = new float[g.Rows * g.Filters];
                var gx = new float[x.Length];
                var gw = new float[w.Length];
                var gb = new float[bias.Length];
                var alone = new float[w.Length];
                var aloneBias = new float[bias.Length];
                fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb, pa = alone, pab = aloneBias)
                {
                    Convolution.Forward(level, g, px, pw, pb, FusedActivation.Relu, py);
                    Convolution.Backward(level, g, px, pw, pdy, py, FusedActivation.Relu, pgx, pgw, pgb);
                    Convolution.Backward(level, g, px, pw, pdy, py, FusedActivation.Relu, null, pa, pab);
                }
                return [y, gx, gw, gb, alone, aloneBias];
            });
    }

    [Theory]
    [InlineData(11, 28, 1, 64, 7)] // the vit's patch embedding: the direct kernel on AVX-512 machines
    [InlineData(40, 28, 1, 64, 7)] // the same in 8 image ranges of 5 (the kernel gradient's runs of images cut by them)
    [InlineData(5, 30, 1, 40, 4)]  // rows of 7 patches
    [InlineData(6, 16, 3, 24, 4)]  // three channels: the GEMM path
    public void Patch_gradients_have_the_same_bits_at_any_thread_count(int batch, int size, int channels, int filters, int patch)
    {
        // Windows that tile the image (stride equal to the kernel), as a vision transformer cuts its patches.
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, size, size, channels), patch, patch, channels, filters,
            (patch, patch), false, (1, 1));
        var (x, w, bias, dy, _, _) = NaiveConvolution.RandomReluProblem(g, batch + size + patch);
        ThreadCounts.SameBits("patches", () =>
        {
            var y = new float[g.Rows * g.Filters];
            var (gx, gw, gb) = (new float[x.Length], new float[w.Length], new float[bias.Length]);
            var (alone, aloneBias) = (new float[w.Length], new float[bias.Length]);
            fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb, pa = alone, pab = aloneBias)
            {
                Convolution.Forward(g, px, pw, pb, FusedActivation.None, py);
                Convolution.Backward(g, px, pw, pdy, null, FusedActivation.None, pgx, pgw, pgb);
                Convolution.Backward(g, px, pw, pdy, null, FusedActivation.None, null, pa, pab);
            }
            return [y, gx, gw, gb, alone, aloneBias];
        });
    }

    [Theory]
    [InlineData(13, 14, 64, 128, 5)] // the DCGAN discriminator's second convolution: 5×5 stride 2, same
    [InlineData(7, 14, 16, 24, 4)]   // the geometry of its generator's transposed convolution: 4×4 stride 2
    [InlineData(1, 11, 8, 9, 5)]     // one image
    public void Strided_gradients_have_the_same_bits_at_any_thread_count(int batch, int size, int channels, int filters, int kernel)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, size, size, channels), kernel, kernel, channels, filters, (2, 2), true, (1, 1));
        var random = new Random(batch + channels + kernel);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        var dy = Values(g.Rows * g.Filters);
        ThreadCounts.SameBits("strided", () =>
        {
            var y = new float[g.Rows * g.Filters];
            var gx = new float[x.Length];
            var gw = new float[w.Length];
            var gb = new float[bias.Length];
            fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb)
            {
                Convolution.Forward(g, px, pw, pb, FusedActivation.None, py);
                Convolution.Backward(g, px, pw, pdy, null, FusedActivation.None, pgx, pgw, pgb);
            }
            return [y, gx, gw, gb];
        });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_fused_leaky_relu_and_dropout_mask_give_the_bits_of_the_separate_passes(int[] s)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(s[0], s[1], s[2], s[3]), s[4], s[5], s[3], s[6],
            (s[7], s[8]), s[11] == 1, (s[9], s[10]));
        var random = new Random(s.Sum() + 1);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        var dy = Values(g.Rows * g.Filters);
        const float slope = 0.2f, scale = 1f / 0.7f;
        var mask = Enumerable.Range(0, g.Rows * g.Filters).Select(_ => random.NextDouble() < 0.3 ? 0f : scale).ToArray();

        int saved = Parallelism.Threads;
        try
        {
            foreach (var level in new[] { SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Scalar })
                foreach (int threads in new[] { 1, 2 })
                    foreach (bool masked in new[] { true, false })
                    {
                        Parallelism.Threads = threads;
                        string where = $"{level}, {threads} thread(s), {(masked ? "with" : "without")} a mask";
                        var m = masked ? mask : null;
                        // The separate passes: the convolution alone, the leaky ReLU, the mask; back through the mask and the leaky ReLU.
                        var pre = new float[g.Rows * g.Filters];
                        fixed (float* px = x, pw = w, pb = bias, ppre = pre)
                            Convolution.Forward(level, g, px, pw, pb, FusedActivation.None, ppre);
                        var expected = pre.Select((v, i) => (v > 0f ? v : v * slope) * (m is null ? 1f : m[i])).ToArray();
                        var through = dy.Select((v, i) => m is null ? v : v * m[i]).Select((v, i) => pre[i] > 0f ? v : v * slope).ToArray();
                        var (dx, dw, db) = (new float[x.Length], new float[w.Length], new float[bias.Length]);
                        var dwAlone = new float[w.Length];
                        fixed (float* px = x, pw = w, pt = through, pdx = dx, pdw = dw, pdb = db, pa = dwAlone)
                        {
                            Convolution.Backward(level, g, px, pw, pt, null, FusedActivation.None, pdx, pdw, pdb);
                            Convolution.Backward(level, g, px, pw, pt, null, FusedActivation.None, null, pa, null);
                        }

                        var y = new float[pre.Length];
                        var (gx, gw, gb) = (new float[x.Length], new float[w.Length], new float[bias.Length]);
                        var gwAlone = new float[w.Length];
                        fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pm = mask, pgx = gx, pgw = gw, pgb = gb, pa = gwAlone)
                        {
                            var activation = FusedActivation.LeakyRelu(slope, masked ? pm : null);
                            Convolution.Forward(level, g, px, pw, pb, activation, py);
                            Convolution.Backward(level, g, px, pw, pdy, py, activation, pgx, pgw, pgb);
                            // Without the input gradient (a first layer), single-channel images take the direct kernel.
                            Convolution.Backward(level, g, px, pw, pdy, py, activation, null, pa, null);
                        }
                        ThreadCounts.Identical(where, [expected, dx, dw, db, dwAlone], [y, gx, gw, gb, gwAlone]);
                    }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    [Theory]
    [InlineData(9, 14, 64, 128, 5, 2)] // the DCGAN discriminator's second convolution: 800 KB of kernel, packed in chunks
    [InlineData(5, 14, 64, 40, 4, 2)]  // filters that end in a part panel: the transposed kernel packed panel by panel
    [InlineData(3, 12, 40, 340, 3, 1)] // filters beyond one k block
    public void A_kernel_packed_on_both_threads_gives_the_bits_of_one_packed_on_the_calling_thread(int batch, int size, int channels,
        int filters, int kernel, int stride)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, size, size, channels), kernel, kernel, channels, filters,
            (stride, stride), true, (1, 1));
        var (x, w, bias, dy, _, _) = NaiveConvolution.RandomReluProblem(g, batch + size + filters);
        bool saved = Convolution.ParallelPacking;
        try
        {
            var results = new List<float[][]>();
            foreach (bool parallel in new[] { true, false })
            {
                Convolution.ParallelPacking = parallel;
                results.Add(ThreadCounts.At(2, () =>
                {
                    var y = new float[g.Rows * g.Filters];
                    var (gx, gw, gb) = (new float[x.Length], new float[w.Length], new float[bias.Length]);
                    fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb)
                    {
                        Convolution.Forward(g, px, pw, pb, FusedActivation.Relu, py);
                        Convolution.Backward(g, px, pw, pdy, py, FusedActivation.Relu, pgx, pgw, pgb);
                    }
                    return new[] { y, gx, gw, gb };
                }));
            }
            ThreadCounts.Identical("packed on both threads", results[1], results[0]);
        }
        finally
        {
            Convolution.ParallelPacking = saved;
        }
    }

    [Theory]
    [InlineData(9, 14, 64, 128, 5, 2, true)]  // the DCGAN discriminator's second convolution: dx in items of two images
    [InlineData(9, 14, 64, 128, 5, 2, false)] // its pass without the kernel gradient (the generator's step)
    [InlineData(9, 14, 64, 128, 4, 2, false)] // the generator's first transposed convolution, as the input gradient it is
    [InlineData(5, 14, 64, 40, 4, 2, true)]   // filters that end in a part panel
    [InlineData(11, 9, 6, 20, 3, 1, true)]    // 81 pixels an image: blocks that end in 4- and 8-row tiles (6 channels: not Winograd)
    public void Input_gradient_items_of_their_own_give_the_bits_of_the_image_ranges(int batch, int size, int channels,
        int filters, int kernel, int stride, bool kernelGradient)
    {
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, size, size, channels), kernel, kernel, channels, filters,
            (stride, stride), true, (1, 1));
        var (x, w, bias, dy, _, _) = NaiveConvolution.RandomReluProblem(g, batch + size + filters);
        bool saved = Convolution.SplitBackward;
        try
        {
            var results = new List<float[][]>();
            foreach (bool split in new[] { true, false })
            {
                Convolution.SplitBackward = split;
                foreach (int threads in new[] { 1, 2, 3 })
                    results.Add(ThreadCounts.At(threads, () =>
                    {
                        var y = new float[g.Rows * g.Filters];
                        var (gx, gw, gb) = (new float[x.Length], new float[w.Length], new float[bias.Length]);
                        fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pgx = gx, pgw = gw, pgb = gb)
                        {
                            Convolution.Forward(g, px, pw, pb, FusedActivation.LeakyRelu(0.2f), py);
                            Convolution.Backward(g, px, pw, pdy, py, FusedActivation.LeakyRelu(0.2f), pgx, kernelGradient ? pgw : null,
                                kernelGradient ? pgb : null);
                        }
                        return new[] { y, gx, gw, gb };
                    }));
            }
            Assert.Contains(results[0][1], v => v != 0f);
            for (int i = 1; i < results.Count; i++) ThreadCounts.Identical($"split {i < 3}, run {i}", results[3], results[i]);
        }
        finally
        {
            Convolution.SplitBackward = saved;
        }
    }

    private static void Close(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 + 1e-4 * Math.Abs(expected[i]),
                $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }
}

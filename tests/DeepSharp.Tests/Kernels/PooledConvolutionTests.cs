using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Convolution and 2×2 max pooling as one kernel against the two kernels run apart (the reference path): the pooled
/// output, the recorded maxima and the input gradient with the same bits, the kernel and bias gradients within 1e-5 of
/// the sum of the absolute values of their terms (the same sums grouped by chunk, or by Winograd's transforms for 3×3
/// stride-1 shapes), and every result with the same bits at one, two and three threads.
/// </summary>
public unsafe class PooledConvolutionTests
{
    // batch, height, width, channels, kernel, filters, stride, same, relu
    public static TheoryData<int, int, int, int, int, int, int, bool, bool> Shapes => new()
    {
        { 1, 28, 28, 1, 3, 32, 1, false, true },   // the seed CNN's first layer at batch 1 (direct kernel)
        { 20, 28, 28, 1, 3, 20, 1, false, true },  // many images: several chunks, a filter tail
        { 2, 9, 9, 1, 3, 17, 1, true, true },      // one channel, same padding, odd output (a row and a column no window covers)
        { 3, 13, 13, 32, 3, 64, 1, false, true },  // the seed CNN's second layer (Winograd): 11×11 output
        { 1, 7, 9, 20, 3, 33, 1, true, false },    // no activation, odd sizes, a channel and a filter tail
        { 6, 10, 8, 3, 3, 5, 1, false, true },     // few channels (GEMM path), five filters
        { 2, 11, 11, 4, 3, 8, 2, false, true },    // strided convolution: 5×5 output
        { 33, 12, 12, 16, 3, 24, 1, true, true },  // many images over two chunks
        { 1, 4, 4, 8, 3, 16, 1, false, true },     // 2×2 output: one window
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_convolution_and_the_pooling_run_apart(int batch, int height, int width, int channels, int kernel, int filters, int stride,
        bool same, bool relu)
    {
        if (!PooledConvolution.Available) return; // the layers then run apart; nothing of this kernel runs
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, height, width, channels), kernel, kernel, channels, filters,
            (stride, stride), same, (1, 1));
        var pooling = new PoolingGeometry
        {
            Batch = g.Batch, Height = g.OutputHeight, Width = g.OutputWidth, Channels = g.Filters,
            PoolHeight = 2, PoolWidth = 2, StrideHeight = 2, StrideWidth = 2,
            OutputHeight = g.OutputHeight / 2, OutputWidth = g.OutputWidth / 2,
        };
        var activation = relu ? FusedActivation.Relu : FusedActivation.None;
        var random = new Random(batch * 1000 + height * 100 + channels * 10 + filters);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        int pooledSize = g.Batch * PooledConvolution.PooledImageSize(g);
        var pooledGradient = Values(pooledSize);

        // The reference: the convolution, the pooling, and their backward passes one after the other.
        var output = new float[g.Rows * g.Filters];
        var expected = new float[pooledSize];
        var flatIndices = new int[pooledSize];
        var outputGradient = new float[output.Length];
        var expectedDx = new float[x.Length];
        var expectedDw = new float[w.Length];
        var expectedDb = new float[bias.Length];
        fixed (float* px = x, pw = w, pb = bias, py = output, pp = expected, pg = pooledGradient, pdy = outputGradient)
        fixed (float* pdx = expectedDx, pdw = expectedDw, pdb = expectedDb)
        fixed (int* pi = flatIndices)
        {
            Convolution.Forward(g, px, pw, pb, activation, py);
            Pooling.MaxForward(pooling, py, pp, pi);
            Pooling.MaxBackward(pooling, pg, pi, pdy);
            Convolution.Backward(g, px, pw, pdy, py, activation, pdx, pdw, pdb);
        }
        // The sums of the absolute values of the terms each gradient adds up: the scale of its rounding.
        var scaleDw = new float[w.Length];
        var scaleDb = new float[bias.Length];
        fixed (float* px = Array.ConvertAll(x, Math.Abs), pdy = Array.ConvertAll(outputGradient, Math.Abs), pdw = scaleDw, pdb = scaleDb)
            Convolution.Backward(g, px, null, pdy, null, FusedActivation.None, null, pdw, pdb);

        float[][] Fused()
        {
            var y = new float[pooledSize];
            var indices = new byte[pooledSize];
            var dx = new float[x.Length];
            var dw = new float[w.Length];
            var db = new float[bias.Length];
            fixed (float* px = x, pw = w, pb = bias, py = y, pg = pooledGradient, pdx = dx, pdw = dw, pdb = db)
            fixed (byte* pi = indices)
            {
                PooledConvolution.Forward(g, px, pw, pb, activation, py, pi);
                PooledConvolution.Backward(g, px, pw, pg, py, activation, pi, pdx, pdw, pdb);
            }
            return [y, Array.ConvertAll(indices, b => (float)b), dx, dw, db];
        }

        float[][] results = [];
        ThreadCounts.SameBits("pooled convolution", () => results = Fused(), ThreadCounts.OneTwoThree);
        var (fusedY, fusedIndices, dxFused, dwFused, dbFused) = (results[0], results[1], results[2], results[3], results[4]);
        ThreadCounts.Identical("pooled output and input gradient against the ops apart", [expected, expectedDx], [fusedY, dxFused]);
        for (int i = 0; i < pooledSize; i++)
        {
            // The flat index the pooling recorded, as a position in its window: (row - top) * 2 + (column - left).
            int at = flatIndices[i] / g.Filters, n = at / g.OutputPixels, pixel = at - n * g.OutputPixels;
            int row = pixel / g.OutputWidth, column = pixel - row * g.OutputWidth;
            Assert.True(fusedIndices[i] == row % 2 * 2 + column % 2, $"value {i}: window position {fusedIndices[i]}, the pooling took ({row}, {column})");
        }
        for (int i = 0; i < w.Length; i++)
            Assert.True(Math.Abs(dwFused[i] - expectedDw[i]) <= 1e-5 * scaleDw[i] + 1e-7,
                $"kernel gradient {i}: {dwFused[i]}, apart {expectedDw[i]} (scale {scaleDw[i]})");
        for (int i = 0; i < bias.Length; i++)
            Assert.True(Math.Abs(dbFused[i] - expectedDb[i]) <= 1e-5 * scaleDb[i] + 1e-7,
                $"bias gradient {i}: {dbFused[i]}, apart {expectedDb[i]} (scale {scaleDb[i]})");
    }

    [Fact]
    public void Chunks_depend_on_the_shape_only_and_are_even_when_several()
    {
        var small = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(1, 28, 28, 1), 3, 3, 1, 32, (1, 1), false, (1, 1));
        Assert.Equal(1, PooledConvolution.Chunks(small));
        var large = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(128, 28, 28, 1), 3, 3, 1, 32, (1, 1), false, (1, 1));
        int chunks = PooledConvolution.Chunks(large);
        Assert.True(chunks > 1 && chunks % 2 == 0 && chunks <= 128, $"{chunks} chunks");
        // Each chunk's convolution output stays within 384 KB.
        Assert.True((128 + chunks - 1) / chunks * 26 * 26 * 32 * 4 <= 384 * 1024 + 26 * 26 * 32 * 4, $"{chunks} chunks");
    }
}

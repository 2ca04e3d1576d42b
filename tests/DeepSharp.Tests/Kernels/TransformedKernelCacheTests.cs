using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Transforms kept between inference calls: found only for the same kernel with the same bits, key and size; and the
/// fused convolution + pooling at inference, which keeps its Winograd kernel, gives the bits of the ops run apart call
/// after call while the kernel changes in place between calls.
/// </summary>
public unsafe class TransformedKernelCacheTests
{
    [Fact]
    public void A_kept_transform_is_found_only_while_the_kernel_keeps_its_bits()
    {
        var cache = new TransformedKernelCache();
        var kernel = Enumerable.Range(0, 100).Select(i => (float)Math.Sin(i)).ToArray();
        fixed (float* k = kernel)
        {
            Assert.True(cache.Find(k, 100, 7, 300) == null);
            float* kept = cache.Keep(k, 100, 7, 300);
            kept[299] = 42;
            Assert.True(cache.Find(k, 100, 7, 300) == kept);
            Assert.True(cache.Find(k, 100, 8, 300) == null, "another key");
            Assert.True(cache.Find(k, 100, 7, 301) == null, "another size of transform");
            Assert.True(cache.Find(k, 99, 7, 300) == null, "another length of kernel");
            Assert.True(cache.Find(k + 1, 99, 7, 300) == null, "another address");
            kernel[57] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(kernel[57]) ^ 1); // the last bit only
            Assert.True(cache.Find(k, 100, 7, 300) == null, "a changed kernel");
            kernel[57] = (float)Math.Sin(57);
            Assert.True(cache.Find(k, 100, 7, 300) == kept, "the same bits again");
            kernel[99] = -kernel[99];
            float* again = cache.Keep(k, 100, 7, 300);
            Assert.True(cache.Find(k, 100, 7, 300) == again, "kept again after the change");
        }
    }

    [Fact]
    public void The_oldest_entry_makes_room_when_more_kernels_are_kept_than_fit()
    {
        var cache = new TransformedKernelCache();
        var kernels = Enumerable.Range(0, 9).Select(n => Enumerable.Range(0, 10).Select(i => (float)(n * 10 + i)).ToArray()).ToArray();
        var handles = kernels.Select(k => System.Runtime.InteropServices.GCHandle.Alloc(k, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            float* At(int n) => (float*)handles[n].AddrOfPinnedObject();
            for (int n = 0; n < 9; n++) cache.Keep(At(n), 10, 1, 10);
            Assert.True(cache.Find(At(0), 10, 1, 10) == null, "the oldest entry is gone");
            for (int n = 1; n < 9; n++) Assert.True(cache.Find(At(n), 10, 1, 10) != null, $"kernel {n} is kept");
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
    }

    // batch, height, width, channels, filters, same, relu: Winograd shapes (the seed CNN's second layer, odd sizes)
    public static TheoryData<int, int, int, int, int, bool, bool> Shapes => new()
    {
        { 1, 13, 13, 32, 64, false, true },
        { 5, 13, 13, 32, 64, false, true },
        { 1, 7, 9, 20, 33, true, false },
        { 3, 10, 8, 8, 16, false, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Inference_keeps_the_transform_and_gives_the_bits_of_the_ops_apart_while_the_kernel_changes(int batch, int height, int width,
        int channels, int filters, bool same, bool relu)
    {
        if (!PooledConvolution.Available) return;
        var g = DeepSharp.Ops.ConvolutionShape("test", new TensorShape(batch, height, width, channels), 3, 3, channels, filters, (1, 1), same, (1, 1));
        var pooling = new PoolingGeometry
        {
            Batch = g.Batch, Height = g.OutputHeight, Width = g.OutputWidth, Channels = g.Filters,
            PoolHeight = 2, PoolWidth = 2, StrideHeight = 2, StrideWidth = 2,
            OutputHeight = g.OutputHeight / 2, OutputWidth = g.OutputWidth / 2,
        };
        var activation = relu ? FusedActivation.Relu : FusedActivation.None;
        var random = new Random(batch * 100 + channels + filters);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Values(g.Batch * g.ImageSize);
        var w = Values(g.Patch * g.Filters);
        var bias = Values(g.Filters);
        int pooledSize = g.Batch * PooledConvolution.PooledImageSize(g);
        for (int call = 0; call < 4; call++)
        {
            // Calls 1 and 3 change the kernel in place: one value, then all of them.
            if (call == 1) w[w.Length / 2] += 0.25f;
            if (call == 3) for (int i = 0; i < w.Length; i++) w[i] = -w[i];
            var output = new float[g.Rows * g.Filters];
            var expected = new float[pooledSize];
            var indices = new int[pooledSize];
            var fused = new float[pooledSize];
            fixed (float* px = x, pw = w, pb = bias, py = output, pe = expected, pf = fused)
            fixed (int* pi = indices)
            {
                Convolution.Forward(g, px, pw, pb, activation, py);
                Pooling.MaxForward(pooling, py, pe, pi);
                PooledConvolution.Forward(g, px, pw, pb, activation, pf, null);
            }
            ThreadCounts.Identical($"call {call}", [expected], [fused]);
        }
    }
}

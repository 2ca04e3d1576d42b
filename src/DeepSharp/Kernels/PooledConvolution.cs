using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// A convolution (bias and ReLU fused, or none) followed by 2×2, stride-2 max pooling, as one kernel. The batch is
/// cut into chunks of images whose convolution output fits in L2; each chunk is convolved into thread scratch by
/// <see cref="Convolution"/>'s forward (whatever path its shape takes; a Winograd kernel is transformed once for all the
/// chunks) and pooled from there, so the full-size activation
/// (11 MB for the seed CNN's first layer at batch 128) is never written out and read back. The pooling records which of
/// its window's four pixels was the maximum (one byte; the first largest in row-major order, as <see cref="Pooling"/>).
/// Backward, chunk by chunk, rebuilds the convolution's output gradient in scratch — the pooled gradient at each
/// recorded maximum that passed the ReLU, zero elsewhere: the values the separate pooling and ReLU backward make — and
/// runs <see cref="Convolution"/>'s backward on it (the kernel and bias gradients by <see cref="WinogradKernelGradient"/> where
/// that applies); the chunks' kernel and bias gradients are then added in chunk order.
/// Chunks depend on the shape only, so results have the same bits at any thread count. The output and the input
/// gradient have the bits of the separate ops (each value depends on its own pixels only); the kernel and bias
/// gradients add the same terms grouped by chunk. AVX-512 only; elsewhere the layers run apart.
/// </summary>
internal static unsafe class PooledConvolution
{
    private const int ChunkFloats = 96 * 1024; // a chunk's convolution output: 384 KB, in L2 beside the convolution's own blocks
    private const long ParallelMinMultiplyAdds = 1_000_000;

    /// <summary>
    /// Whether a convolution and the max pooling after it may run as one; false runs them apart, for A/B comparisons.
    /// Starts false when the environment variable <c>DEEPSHARP_CONVOLUTION_POOLING</c> is <c>separate</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_CONVOLUTION_POOLING"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this kernel runs on this machine (and is enabled).</summary>
    internal static bool Available => Enabled && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;

    /// <summary>Pooled values per image: (Ho / 2)·(Wo / 2)·F.</summary>
    internal static int PooledImageSize(in ConvolutionGeometry g) => g.OutputHeight / 2 * (g.OutputWidth / 2) * g.Filters;

    /// <summary>
    /// Chunks of the batch: as many as keep each chunk's convolution output within <see cref="ChunkFloats"/>, an even
    /// number when more than one (so that two cores get equal shares), never more than the images.
    /// </summary>
    internal static int Chunks(in ConvolutionGeometry g)
    {
        long floats = (long)g.Batch * g.OutputPixels * g.Filters;
        long chunks = Math.Max(1, (floats + ChunkFloats - 1) / ChunkFloats);
        if (chunks > 1 && chunks % 2 == 1) chunks++;
        return (int)Math.Min(chunks, Math.Max(1, g.Batch));
    }

    // ---- forward --------------------------------------------------------------------------------------

    /// <summary>
    /// y = maxpool(act(conv(x, kernel) + bias)); the position of each maximum in its window (0–3, row-major) goes to
    /// <paramref name="indices"/> when not null (one byte per value of y).
    /// </summary>
    internal static void Forward(in ConvolutionGeometry g, float* x, float* kernel, float* bias, FusedActivation activation, float* y, byte* indices)
    {
        if (g.Batch == 0 || g.Filters == 0) return;
        var body = new ForwardBody { G = g, X = x, Kernel = kernel, Bias = bias, Activation = activation, Y = y, Indices = indices, Chunks = Chunks(g) };
        if (!DirectConvolution.Applies(g) && WinogradConvolution.Applies(g))
        {
            // Winograd's transformed kernel, made once for all the chunks. At inference (no maxima recorded: no backward
            // follows) the weights are most likely those of the last batch: their transform is kept for the next call.
            long size = WinogradConvolution.TransformedKernelSize(g), floats = (long)g.Patch * g.Filters;
            long key = (long)g.Channels << 32 | (uint)g.Filters;
            var cache = TransformedKernelCache.Current;
            body.Transformed = indices == null ? cache.Find(kernel, floats, key, size) : null;
            if (body.Transformed == null)
            {
                body.Transformed = indices == null ? cache.Keep(kernel, floats, key, size) : Scratch.Current.GetKernel(size);
                WinogradConvolution.TransformKernel(g, kernel, body.Transformed);
            }
        }
        Run(ref body, g, body.Chunks);
    }

    private struct ForwardBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, Kernel, Bias, Y, Transformed;
        public byte* Indices;
        public FusedActivation Activation;
        public int Chunks;

        public readonly void Execute(int chunk)
        {
            var sub = Chunk(G, chunk, Chunks, out int n0);
            float* output = Scratch.Current.Get((long)sub.Rows * G.Filters);
            float* x = X + (long)n0 * G.ImageSize;
            if (Transformed != null) WinogradConvolution.ForwardTransformed(sub, x, Transformed, Bias, Activation, output);
            else Convolution.Forward(sub, x, Kernel, Bias, Activation, output);
            long first = (long)n0 * PooledImageSize(G);
            Pool(sub, output, Y + first, Indices == null ? null : Indices + first);
        }
    }

    /// <summary>2×2 stride-2 max pooling of the convolution output <paramref name="c"/> of <paramref name="g"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pool(in ConvolutionGeometry g, float* c, float* y, byte* indices)
    {
        int filters = g.Filters, width = g.OutputWidth, pooledHeight = g.OutputHeight / 2, pooledWidth = g.OutputWidth / 2;
        long row = (long)width * filters;
        var one = Vector512.Create(1);
        var two = Vector512.Create(2);
        var three = Vector512.Create(3);
        for (int n = 0; n < g.Batch; n++)
            for (int ph = 0; ph < pooledHeight; ph++)
            {
                float* top = c + ((long)n * g.OutputHeight + 2 * ph) * row;
                long o = ((long)n * pooledHeight + ph) * pooledWidth * filters;
                for (int pw = 0; pw < pooledWidth; pw++, o += filters)
                {
                    float* p0 = top + 2L * pw * filters, p1 = p0 + filters, p2 = p0 + row, p3 = p2 + filters;
                    for (int f = 0; f < filters; f += 16)
                    {
                        var mask = Im2Col.TailMask(filters - f);
                        // Row-major window order, replacing only on a strictly larger value: the first largest wins.
                        var best = Avx512F.MaskLoad(p0 + f, mask, Vector512<float>.Zero);
                        var index = Vector512<int>.Zero;
                        Take(Avx512F.MaskLoad(p1 + f, mask, Vector512<float>.Zero), one, ref best, ref index);
                        Take(Avx512F.MaskLoad(p2 + f, mask, Vector512<float>.Zero), two, ref best, ref index);
                        Take(Avx512F.MaskLoad(p3 + f, mask, Vector512<float>.Zero), three, ref best, ref index);
                        Avx512F.MaskStore(y + o + f, mask, best);
                        if (indices != null) StoreBytes(indices + o + f, Avx512F.ConvertToVector128Byte(index), filters - f);
                    }
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector512<float> value, Vector512<int> position, ref Vector512<float> best, ref Vector512<int> index)
    {
        var take = Vector512.GreaterThan(value, best);
        best = Vector512.ConditionalSelect(take, value, best);
        index = Vector512.ConditionalSelect(take.AsInt32(), position, index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBytes(byte* target, Vector128<byte> bytes, int count)
    {
        if (count >= 16)
        {
            bytes.Store(target);
            return;
        }
        for (int i = 0; i < count; i++) target[i] = bytes.GetElement(i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> LoadBytes(byte* source, int count)
    {
        if (count >= 16) return Avx512F.ConvertToVector512Int32(Vector128.Load(source));
        var bytes = Vector128<byte>.Zero;
        for (int i = 0; i < count; i++) bytes = bytes.WithElement(i, source[i]);
        return Avx512F.ConvertToVector512Int32(bytes);
    }

    // ---- backward -------------------------------------------------------------------------------------

    /// <summary>
    /// Gradients from the pooled output's gradient <paramref name="pooledGradient"/>, the pooled output
    /// <paramref name="pooled"/> (for the ReLU) and the recorded <paramref name="indices"/>. Each of
    /// <paramref name="inputGradient"/>, <paramref name="kernelGradient"/>, <paramref name="biasGradient"/> may be null
    /// when not wanted; those given are overwritten.
    /// </summary>
    internal static void Backward(in ConvolutionGeometry g, float* x, float* kernel, float* pooledGradient, float* pooled, FusedActivation activation,
        byte* indices, float* inputGradient, float* kernelGradient, float* biasGradient)
    {
        if (g.Batch == 0) return;
        int filters = g.Filters, patch = g.Patch;
        var body = new BackwardBody
        {
            G = g, X = x, Kernel = kernel, PooledGradient = pooledGradient, Pooled = pooled, Relu = activation.IsRelu,
            Indices = indices, InputGradient = inputGradient, WantKernel = kernelGradient != null, WantBias = biasGradient != null,
            Chunks = Chunks(g),
        };
        body.PartialStride = (body.WantKernel ? (long)patch * filters : 0) + (body.WantBias ? filters : 0);
        if (body.PartialStride > 0) body.Partials = Scratch.Current.GetPartials(body.Chunks * body.PartialStride);
        if (inputGradient != null && WinogradConvolution.TakesInputGradient(g))
        {
            // The input gradient's Winograd kernel, made once for all the chunks.
            body.InputKernel = Scratch.Current.GetKernel(WinogradConvolution.InputGradientKernelSize(g));
            WinogradConvolution.TransformInputGradientKernel(g, kernel, body.InputKernel);
        }
        Run(ref body, g, body.Chunks);

        // The chunks' partial gradients, added in chunk order.
        for (int i = 0; i < body.Chunks; i++)
        {
            float* partial = body.Partials + i * body.PartialStride;
            if (kernelGradient != null)
            {
                if (i == 0) Im2Col.Copy(partial, kernelGradient, patch * filters);
                else Im2Col.AddTo(partial, kernelGradient, patch * filters);
            }
            if (biasGradient != null)
            {
                float* partialBias = partial + (body.WantKernel ? (long)patch * filters : 0);
                if (i == 0) Im2Col.Copy(partialBias, biasGradient, filters);
                else Im2Col.AddTo(partialBias, biasGradient, filters);
            }
        }
    }

    private struct BackwardBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, Kernel, PooledGradient, Pooled, InputGradient, Partials, InputKernel;
        public byte* Indices;
        public bool Relu, WantKernel, WantBias;
        public int Chunks;
        public long PartialStride;

        public readonly void Execute(int chunk)
        {
            var sub = Chunk(G, chunk, Chunks, out int n0);
            float* dy = Scratch.Current.Get((long)sub.Rows * G.Filters);
            long first = (long)n0 * PooledImageSize(G);
            Unpool(sub, PooledGradient + first, Pooled + first, Indices + first, Relu, dy);
            float* partial = Partials + chunk * PartialStride;
            float* x = X + (long)n0 * G.ImageSize, dx = InputGradient == null ? null : InputGradient + (long)n0 * G.ImageSize;
            float* dw = WantKernel ? partial : null, db = WantBias ? partial + (WantKernel ? (long)G.Patch * G.Filters : 0) : null;
            if (dx != null && InputKernel != null)
            {
                WinogradConvolution.InputGradientTransformed(sub, InputKernel, dy, null, FusedActivation.None, dx);
                dx = null;
            }
            if ((dw != null || db != null) && WinogradKernelGradient.Applies(sub))
            {
                // The kernel and bias gradients in the transformed domain; the input gradient on its own path.
                if (dx != null) Convolution.Backward(sub, x, Kernel, dy, null, FusedActivation.None, dx, null, null);
                long size = WinogradKernelGradient.TransformedSize(sub);
                float* transformed = Scratch.Current.GetTransformed(size);
                Im2Col.Clear(transformed, (int)size);
                WinogradKernelGradient.Accumulate(sub, x, dy, null, relu: false, transformed);
                WinogradKernelGradient.Finish(sub, transformed, dw, db);
                return;
            }
            if (dx != null || dw != null || db != null) Convolution.Backward(sub, x, Kernel, dy, null, FusedActivation.None, dx, dw, db);
        }
    }

    /// <summary>
    /// The convolution's output gradient <paramref name="dy"/> (every value written): at each window's recorded
    /// maximum the pooled gradient, masked by the ReLU (the pooled value is the maximum's), zero elsewhere, and zero in
    /// a last row or column that no window covers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unpool(in ConvolutionGeometry g, float* pooledGradient, float* pooled, byte* indices, bool relu, float* dy)
    {
        int filters = g.Filters, height = g.OutputHeight, width = g.OutputWidth, pooledHeight = height / 2, pooledWidth = width / 2;
        long row = (long)width * filters;
        var one = Vector512.Create(1);
        var two = Vector512.Create(2);
        var three = Vector512.Create(3);
        for (int n = 0; n < g.Batch; n++)
        {
            float* image = dy + (long)n * height * row;
            for (int ph = 0; ph < pooledHeight; ph++)
            {
                float* top = image + 2L * ph * row;
                long o = ((long)n * pooledHeight + ph) * pooledWidth * filters;
                for (int pw = 0; pw < pooledWidth; pw++, o += filters)
                {
                    float* p0 = top + 2L * pw * filters, p1 = p0 + filters, p2 = p0 + row, p3 = p2 + filters;
                    for (int f = 0; f < filters; f += 16)
                    {
                        var mask = Im2Col.TailMask(filters - f);
                        var gradient = Avx512F.MaskLoad(pooledGradient + o + f, mask, Vector512<float>.Zero);
                        if (relu) gradient &= Vector512.GreaterThan(Avx512F.MaskLoad(pooled + o + f, mask, Vector512<float>.Zero), Vector512<float>.Zero);
                        var index = LoadBytes(indices + o + f, filters - f);
                        Avx512F.MaskStore(p0 + f, mask, gradient & Vector512.Equals(index, Vector512<int>.Zero).AsSingle());
                        Avx512F.MaskStore(p1 + f, mask, gradient & Vector512.Equals(index, one).AsSingle());
                        Avx512F.MaskStore(p2 + f, mask, gradient & Vector512.Equals(index, two).AsSingle());
                        Avx512F.MaskStore(p3 + f, mask, gradient & Vector512.Equals(index, three).AsSingle());
                    }
                }
                if (width % 2 != 0)
                {
                    Im2Col.Clear(top + (width - 1) * (long)filters, filters);
                    Im2Col.Clear(top + row + (width - 1) * (long)filters, filters);
                }
            }
            if (height % 2 != 0) Im2Col.Clear(image + (height - 1) * row, (int)row);
        }
    }

    // ---- shared pieces --------------------------------------------------------------------------------

    private static void Run<TBody>(ref TBody body, in ConvolutionGeometry g, int chunks) where TBody : struct, IParallelBody
    {
        if (chunks == 1 || g.MultiplyAdds < ParallelMinMultiplyAdds || Parallelism.Threads == 1)
            for (int c = 0; c < chunks; c++) body.Execute(c);
        else WorkerPool.For(chunks, ref body);
    }

    /// <summary>The geometry of chunk <paramref name="chunk"/>'s images, the first of which is <paramref name="first"/>.</summary>
    private static ConvolutionGeometry Chunk(in ConvolutionGeometry g, int chunk, int chunks, out int first)
    {
        first = (int)((long)g.Batch * chunk / chunks);
        var sub = g;
        sub.Batch = (int)((long)g.Batch * (chunk + 1) / chunks) - first;
        return sub;
    }

    /// <summary>
    /// One thread's scratch: a chunk's convolution output or output gradient, and the caller's partial gradients and
    /// transformed kernel.
    /// </summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? t_current;

        private float* _chunk, _partials, _transformed, _kernel;
        private long _chunkCapacity, _partialCapacity, _transformedCapacity, _kernelCapacity;

        internal static Scratch Current => t_current ??= new Scratch();

        internal float* Get(long floats) => Grow(ref _chunk, ref _chunkCapacity, floats);

        internal float* GetPartials(long floats) => Grow(ref _partials, ref _partialCapacity, floats);

        internal float* GetTransformed(long floats) => Grow(ref _transformed, ref _transformedCapacity, floats);

        /// <summary>A kernel transformed once for all the chunks of a call (read by every worker).</summary>
        internal float* GetKernel(long floats) => Grow(ref _kernel, ref _kernelCapacity, floats);

        private static float* Grow(ref float* pointer, ref long capacity, long floats)
        {
            if (capacity < floats)
            {
                NativeMemory.AlignedFree(pointer);
                pointer = null;
                capacity = 0;
                // A little past the end: the kernels' masked loads never reach it, but a whole-panel read may.
                pointer = (float*)NativeMemory.AlignedAlloc((nuint)((floats + 64) * sizeof(float)), 64);
                capacity = floats;
            }
            return pointer;
        }

        ~Scratch()
        {
            NativeMemory.AlignedFree(_chunk);
            NativeMemory.AlignedFree(_partials);
            NativeMemory.AlignedFree(_transformed);
            NativeMemory.AlignedFree(_kernel);
        }
    }
}

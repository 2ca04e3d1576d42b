using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Convolution of single-channel images (a network's first layer on grayscale input) without the GEMM: with
/// C = 1 a patch is only Kh·Kw values, so gathering patches into a buffer costs more than the arithmetic it
/// feeds (measured 35 of 50 cycles per output pixel for 3×3). Here each output pixel reads its taps straight
/// from the image, as broadcasts against 32 filters held in two zmm registers: forward computes 8 pixels at a
/// time (16 accumulators; rows of 4 to 7 pixels two at a time, 4 of each, since one pixel alone has only two FMA chains
/// that wait on their latency) with bias and ReLU applied before the single store (another fused activation follows in
/// a pass over each row of output pixels while it is in L1); backward (kernel and bias
/// gradients; the image needs none) keeps all 9 taps' gradients for 32 filters in 18 registers while it
/// streams over the pixels. Images with "same" padding are first copied into a zero-bordered scratch image,
/// so that every tap is an in-bounds load. AVX-512 only; other machines take the GEMM path.
/// </summary>
internal static unsafe class DirectConvolution
{
    private const int PixelsPerGroup = 8;
    private const int OverlapMinPixels = 3; // a row's last pixels that take an overlapping group of eight rather than one by one
    private const int TapsPerPass = 9;
    private const int FiltersPerBlock = 32;
    private const long ParallelMinMultiplyAdds = 1_000_000;
    private const int BackwardItems = 8; // image ranges of the kernel gradient: 4 per thread on two cores
    private const int RunPixels = 256;   // the kernel gradient sums at least this many output pixels a call where images are small

    /// <summary>
    /// Whether the kernel gradient of small images read in place sums several images a call (see <see cref="RunPixels"/>);
    /// false sums each image alone and adds it to the partial gradient, for A/B comparisons (the sums are added in another
    /// order). Starts false when the environment variable <c>DEEPSHARP_DIRECT_IMAGES</c> is <c>single</c>.
    /// </summary>
    internal static bool ImageRuns { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DIRECT_IMAGES"), "single", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether rows of 4 to 7 output pixels (a vit's patch embedding: 4 patches a row) go two at a time, four pixels of
    /// each in one group of eight; false takes each such pixel alone, for A/B comparisons (same bits either way). Starts
    /// false when the environment variable <c>DEEPSHARP_DIRECT_PAIRS</c> is <c>off</c>.
    /// </summary>
    internal static bool PairRows { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DIRECT_PAIRS"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this kernel handles <paramref name="g"/>.</summary>
    internal static bool Applies(in ConvolutionGeometry g) =>
        g.Channels == 1 && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported && g.KernelHeight * g.KernelWidth <= 64;

    // ---- forward --------------------------------------------------------------------------------------

    internal static void Forward(in ConvolutionGeometry g, float* x, float* kernel, float* bias, FusedActivation activation, float* y)
    {
        var body = new ForwardBody
        {
            G = g, X = x, Kernel = kernel, Bias = bias, Relu = activation.IsRelu, Y = y,
            After = activation.IsNone || activation.IsRelu ? FusedActivation.None : activation,
        };
        int rows = g.Batch * g.OutputHeight;
        if (g.MultiplyAdds < ParallelMinMultiplyAdds || Parallelism.Threads == 1)
        {
            body.Items = 1;
            body.Execute(0);
            return;
        }
        body.Items = Math.Min(rows, 4 * Parallelism.Threads);
        WorkerPool.For(body.Items, ref body);
    }

    private struct ForwardBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, Kernel, Bias, Y;
        public bool Relu;
        public FusedActivation After; // an activation other than a ReLU, applied to each row of output pixels once it is done
        public int Items;

        public readonly void Execute(int item)
        {
            int rows = G.Batch * G.OutputHeight;
            int row0 = (int)((long)rows * item / Items), row1 = (int)((long)rows * (item + 1) / Items);
            var image = new PaddedImage(G);
            int* offsets = stackalloc int[G.KernelHeight * G.KernelWidth];
            image.TapOffsets(G, offsets);
            int taps = G.KernelHeight * G.KernelWidth, filters = G.Filters;
            int current = -1;
            float* source = null;
            for (int row = row0; row < row1; row++)
            {
                int n = row / G.OutputHeight, oh = row - n * G.OutputHeight;
                if (n != current)
                {
                    source = image.Of(G, X, n);
                    current = n;
                }
                float* line = source + (long)oh * G.StrideHeight * image.Stride;
                float* output = Y + (long)row * G.OutputWidth * filters;
                // Rows narrower than a group (a vit's 4 patches) go two at a time, four pixels of each in one group of
                // eight, when the next row is of the same image and of this item.
                bool pair = PairRows && G.OutputWidth >= PixelsPerGroup / 2 && G.OutputWidth < PixelsPerGroup
                    && row + 1 < row1 && oh + 1 < G.OutputHeight;
                int rowsDone = pair ? 2 : 1;
                for (int f0 = 0; f0 < filters; f0 += FiltersPerBlock)
                {
                    var m0 = Im2Col.TailMask(filters - f0);
                    var m1 = Im2Col.TailMask(filters - f0 - 16);
                    var b0 = Bias == null ? Vector512<float>.Zero : Avx512F.MaskLoad(Bias + f0, m0, Vector512<float>.Zero);
                    var b1 = Bias == null ? Vector512<float>.Zero : Avx512F.MaskLoad(Bias + f0 + 16, m1, Vector512<float>.Zero);
                    if (pair)
                    {
                        const int half = PixelsPerGroup / 2;
                        float* nextLine = line + (long)G.StrideHeight * image.Stride, nextOutput = output + (long)G.OutputWidth * filters;
                        Pixels8(line, nextLine, G.StrideWidth, offsets, taps, Kernel + f0, filters, m0, m1, b0, b1, Relu,
                            output + f0, nextOutput + f0, filters);
                        for (int rest = half; rest < G.OutputWidth; rest++)
                        {
                            Pixel1(line + (long)rest * G.StrideWidth, offsets, taps, Kernel + f0, filters, m0, m1, b0, b1, Relu, output + (long)rest * filters + f0);
                            Pixel1(nextLine + (long)rest * G.StrideWidth, offsets, taps, Kernel + f0, filters, m0, m1, b0, b1, Relu,
                                nextOutput + (long)rest * filters + f0);
                        }
                        continue;
                    }
                    int ow = 0;
                    for (; ow + PixelsPerGroup <= G.OutputWidth; ow += PixelsPerGroup)
                        Pixels8(line + (long)ow * G.StrideWidth, G.StrideWidth, offsets, taps, Kernel + f0, filters, m0, m1, b0, b1, Relu,
                            output + (long)ow * filters + f0, filters);
                    if (G.OutputWidth - ow >= OverlapMinPixels && G.OutputWidth >= PixelsPerGroup)
                    {
                        // The last pixels as a group of eight that overlaps the one before: those computed twice get the
                        // same bits both times (the same sums in the same order), and one group runs at about the cost
                        // of two single pixels, whose two FMA chains wait on each other's latency.
                        ow = G.OutputWidth - PixelsPerGroup;
                        Pixels8(line + (long)ow * G.StrideWidth, G.StrideWidth, offsets, taps, Kernel + f0, filters, m0, m1, b0, b1, Relu,
                            output + (long)ow * filters + f0, filters);
                        ow = G.OutputWidth;
                    }
                    for (; ow < G.OutputWidth; ow++)
                        Pixel1(line + (long)ow * G.StrideWidth, offsets, taps, Kernel + f0, filters, m0, m1, b0, b1, Relu, output + (long)ow * filters + f0);
                }
                if (!After.IsNone)
                {
                    long at = (long)row * G.OutputWidth * filters;
                    ConvolutionPasses.Output(output, rowsDone * G.OutputWidth, filters, null, After.At(at));
                }
                row += rowsDone - 1;
            }
        }
    }

    /// <summary>Eight output pixels (<paramref name="step"/> apart in the image) × 32 filters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixels8(float* x, int step, int* offsets, int taps, float* w, int ldw, Vector512<float> m0, Vector512<float> m1,
        Vector512<float> b0, Vector512<float> b1, bool relu, float* y, int ldy) =>
        Pixels8(x, x + 4 * step, step, offsets, taps, w, ldw, m0, m1, b0, b1, relu, y, y + 4 * ldy, ldy);

    /// <summary>
    /// Eight output pixels × 32 filters: four from <paramref name="x"/> and four from <paramref name="x4"/>, each four
    /// <paramref name="step"/> apart in the image, stored from <paramref name="y"/> and <paramref name="y4"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pixels8(float* x, float* x4, int step, int* offsets, int taps, float* w, int ldw, Vector512<float> m0, Vector512<float> m1,
        Vector512<float> b0, Vector512<float> b1, bool relu, float* y, float* y4, int ldy)
    {
        Vector512<float> a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
        Vector512<float> a40 = b0, a41 = b1, a50 = b0, a51 = b1, a60 = b0, a61 = b1, a70 = b0, a71 = b1;
        float* x0 = x;
        nint s1 = step, s2 = 2 * step, s3 = 3 * step;
        for (int t = 0; t < taps; t++)
        {
            var w0 = Avx512F.MaskLoad(w + (long)t * ldw, m0, Vector512<float>.Zero);
            var w1 = Avx512F.MaskLoad(w + (long)t * ldw + 16, m1, Vector512<float>.Zero);
            float* p0 = x0 + offsets[t], p4 = x4 + offsets[t];
            Vector512<float> v;
            v = Vector512.Create(p0[0]); a00 = Vector512.FusedMultiplyAdd(v, w0, a00); a01 = Vector512.FusedMultiplyAdd(v, w1, a01);
            v = Vector512.Create(p0[s1]); a10 = Vector512.FusedMultiplyAdd(v, w0, a10); a11 = Vector512.FusedMultiplyAdd(v, w1, a11);
            v = Vector512.Create(p0[s2]); a20 = Vector512.FusedMultiplyAdd(v, w0, a20); a21 = Vector512.FusedMultiplyAdd(v, w1, a21);
            v = Vector512.Create(p0[s3]); a30 = Vector512.FusedMultiplyAdd(v, w0, a30); a31 = Vector512.FusedMultiplyAdd(v, w1, a31);
            v = Vector512.Create(p4[0]); a40 = Vector512.FusedMultiplyAdd(v, w0, a40); a41 = Vector512.FusedMultiplyAdd(v, w1, a41);
            v = Vector512.Create(p4[s1]); a50 = Vector512.FusedMultiplyAdd(v, w0, a50); a51 = Vector512.FusedMultiplyAdd(v, w1, a51);
            v = Vector512.Create(p4[s2]); a60 = Vector512.FusedMultiplyAdd(v, w0, a60); a61 = Vector512.FusedMultiplyAdd(v, w1, a61);
            v = Vector512.Create(p4[s3]); a70 = Vector512.FusedMultiplyAdd(v, w0, a70); a71 = Vector512.FusedMultiplyAdd(v, w1, a71);
        }
        Put(y, a00, a01, m0, m1, relu);
        Put(y + ldy, a10, a11, m0, m1, relu);
        Put(y + 2 * ldy, a20, a21, m0, m1, relu);
        Put(y + 3 * ldy, a30, a31, m0, m1, relu);
        Put(y4, a40, a41, m0, m1, relu);
        Put(y4 + ldy, a50, a51, m0, m1, relu);
        Put(y4 + 2 * ldy, a60, a61, m0, m1, relu);
        Put(y4 + 3 * ldy, a70, a71, m0, m1, relu);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pixel1(float* x, int* offsets, int taps, float* w, int ldw, Vector512<float> m0, Vector512<float> m1,
        Vector512<float> b0, Vector512<float> b1, bool relu, float* y)
    {
        Vector512<float> a0 = b0, a1 = b1;
        for (int t = 0; t < taps; t++)
        {
            var v = Vector512.Create(x[offsets[t]]);
            a0 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(w + (long)t * ldw, m0, Vector512<float>.Zero), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(w + (long)t * ldw + 16, m1, Vector512<float>.Zero), a1);
        }
        Put(y, a0, a1, m0, m1, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* y, Vector512<float> a0, Vector512<float> a1, Vector512<float> m0, Vector512<float> m1, bool relu)
    {
        if (relu)
        {
            a0 = Vector512.Max(a0, Vector512<float>.Zero);
            a1 = Vector512.Max(a1, Vector512<float>.Zero);
        }
        Avx512F.MaskStore(y, m0, a0);
        Avx512F.MaskStore(y + 16, m1, a1);
    }

    // ---- backward: kernel and bias gradients ----------------------------------------------------------

    /// <summary>
    /// Kernel and bias gradients (either may be null) of the convolution, from the output gradient masked by
    /// the fused activation's derivative (<paramref name="output"/> is the activated output for ReLU).
    /// </summary>
    internal static void BackwardKernel(in ConvolutionGeometry g, float* x, float* outputGradient, float* output, FusedActivation activation,
        float* kernelGradient, float* biasGradient)
    {
        int taps = g.KernelHeight * g.KernelWidth, filters = g.Filters;
        var body = new BackwardBody
        {
            G = g, X = x, OutputGradient = outputGradient, Output = activation.IsRelu ? output : null,
            PartialStride = (long)taps * filters + filters,
            Before = activation.IsNone || activation.IsRelu ? FusedActivation.None : activation,
            Activated = output,
        };
        // Image ranges fixed by the problem, not by the thread count: their partials meet in the same order however
        // many threads run them.
        body.Items = g.MultiplyAdds >= ParallelMinMultiplyAdds ? Math.Min(g.Batch, BackwardItems) : 1;
        body.Partials = ConvolutionBuffers.Current.Get(ConvolutionBuffers.Partials, body.Items * body.PartialStride);
        if (body.Items == 1) body.Execute(0);
        else WorkerPool.For(body.Items, ref body);
        // Sum the items' partial gradients in item order.
        for (int i = 0; i < body.Items; i++)
        {
            float* partial = body.Partials + i * body.PartialStride;
            if (kernelGradient != null)
            {
                if (i == 0) Im2Col.Copy(partial, kernelGradient, taps * filters);
                else Im2Col.AddTo(partial, kernelGradient, taps * filters);
            }
            if (biasGradient != null)
            {
                if (i == 0) Im2Col.Copy(partial + taps * filters, biasGradient, filters);
                else Im2Col.AddTo(partial + taps * filters, biasGradient, filters);
            }
        }
    }

    private struct BackwardBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, OutputGradient, Output, Partials;
        public long PartialStride;
        public int Items;
        // An activation other than a ReLU: each image's output gradient is taken back through it (reading the activated
        // output) into a scratch of this thread first.
        public FusedActivation Before;
        public float* Activated;

        public readonly void Execute(int item)
        {
            int n0 = (int)((long)G.Batch * item / Items), n1 = (int)((long)G.Batch * (item + 1) / Items);
            int taps = G.KernelHeight * G.KernelWidth, filters = G.Filters;
            float* partial = Partials + item * PartialStride;
            Im2Col.Clear(partial, (int)PartialStride);
            var image = new PaddedImage(G);
            int* offsets = stackalloc int[TapsPerPass * ((taps + TapsPerPass - 1) / TapsPerPass)];
            image.TapOffsets(G, offsets);
            for (int t = taps; t < TapsPerPass * ((taps + TapsPerPass - 1) / TapsPerPass); t++) offsets[t] = 0; // spare lanes, never kept
            // Small images read in place are summed in runs of several (a vit's 16 patches: 16 images), so that each call's
            // sums are long enough to outweigh adding them to the partial gradient; the runs are cut from the item, never by
            // the thread count. Copied (padded) images go one at a time, the copy holding one.
            int run = ImageRuns && !image.Copies ? Math.Max(1, RunPixels / G.OutputPixels) : 1;
            float* scratch = Before.IsNone ? null : ConvolutionBuffers.Current.Get(ConvolutionBuffers.OutputGradient, (long)run * G.OutputPixels * filters);
            for (int n = n0, count; n < n1; n += count)
            {
                count = Math.Min(run, n1 - n);
                float* source = image.Of(G, X, n);
                long pixel0 = (long)n * G.OutputPixels;
                float* gradient = OutputGradient + pixel0 * filters;
                if (scratch != null)
                {
                    ConvolutionPasses.Gradient(gradient, Activated + pixel0 * filters, Before.At(pixel0 * filters), count * G.OutputPixels, filters, scratch, filters, null);
                    gradient = scratch;
                }
                for (int f0 = 0; f0 < filters; f0 += FiltersPerBlock)
                    for (int t0 = 0; t0 < taps; t0 += TapsPerPass)
                        Taps9(G, source, count, image.Stride, offsets + t0, gradient + f0, Output == null ? null : Output + pixel0 * filters + f0,
                            filters, Im2Col.TailMask(filters - f0), Im2Col.TailMask(filters - f0 - 16),
                            partial + (long)t0 * filters + f0, Math.Min(TapsPerPass, taps - t0), t0 == 0 ? partial + (long)taps * filters + f0 : null);
            }
        }
    }

    /// <summary>
    /// Adds, for nine taps and 32 filters of <paramref name="images"/> consecutive images (read in place, or one padded copy),
    /// Σ over their output pixels of tap value × output gradient to
    /// <paramref name="dw"/> (rows of filters, the first <paramref name="keep"/> taps kept), and Σ gradient to
    /// <paramref name="db"/> when given.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Taps9(in ConvolutionGeometry g, float* image, int images, int stride, int* offsets, float* dy, float* output, int ldy,
        Vector512<float> m0, Vector512<float> m1, float* dw, int keep, float* db)
    {
        Vector512<float> w00 = default, w01 = default, w10 = default, w11 = default, w20 = default, w21 = default;
        Vector512<float> w30 = default, w31 = default, w40 = default, w41 = default, w50 = default, w51 = default;
        Vector512<float> w60 = default, w61 = default, w70 = default, w71 = default, w80 = default, w81 = default;
        Vector512<float> s0 = default, s1 = default;
        nint o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3], o4 = offsets[4], o5 = offsets[5], o6 = offsets[6], o7 = offsets[7], o8 = offsets[8];
        for (int row = 0, rows = images * g.OutputHeight; row < rows; row++)
        {
            int n = row / g.OutputHeight, oh = row - n * g.OutputHeight;
            float* p = image + (long)n * g.ImageSize + (long)oh * g.StrideHeight * stride;
            for (int ow = 0; ow < g.OutputWidth; ow++, p += g.StrideWidth, dy += ldy)
            {
                var d0 = Avx512F.MaskLoad(dy, m0, Vector512<float>.Zero);
                var d1 = Avx512F.MaskLoad(dy + 16, m1, Vector512<float>.Zero);
                if (output != null)
                {
                    d0 &= Vector512.GreaterThan(Avx512F.MaskLoad(output, m0, Vector512<float>.Zero), Vector512<float>.Zero);
                    d1 &= Vector512.GreaterThan(Avx512F.MaskLoad(output + 16, m1, Vector512<float>.Zero), Vector512<float>.Zero);
                    output += ldy;
                }
                s0 += d0;
                s1 += d1;
                Vector512<float> v;
                v = Vector512.Create(p[o0]); w00 = Vector512.FusedMultiplyAdd(v, d0, w00); w01 = Vector512.FusedMultiplyAdd(v, d1, w01);
                v = Vector512.Create(p[o1]); w10 = Vector512.FusedMultiplyAdd(v, d0, w10); w11 = Vector512.FusedMultiplyAdd(v, d1, w11);
                v = Vector512.Create(p[o2]); w20 = Vector512.FusedMultiplyAdd(v, d0, w20); w21 = Vector512.FusedMultiplyAdd(v, d1, w21);
                v = Vector512.Create(p[o3]); w30 = Vector512.FusedMultiplyAdd(v, d0, w30); w31 = Vector512.FusedMultiplyAdd(v, d1, w31);
                v = Vector512.Create(p[o4]); w40 = Vector512.FusedMultiplyAdd(v, d0, w40); w41 = Vector512.FusedMultiplyAdd(v, d1, w41);
                v = Vector512.Create(p[o5]); w50 = Vector512.FusedMultiplyAdd(v, d0, w50); w51 = Vector512.FusedMultiplyAdd(v, d1, w51);
                v = Vector512.Create(p[o6]); w60 = Vector512.FusedMultiplyAdd(v, d0, w60); w61 = Vector512.FusedMultiplyAdd(v, d1, w61);
                v = Vector512.Create(p[o7]); w70 = Vector512.FusedMultiplyAdd(v, d0, w70); w71 = Vector512.FusedMultiplyAdd(v, d1, w71);
                v = Vector512.Create(p[o8]); w80 = Vector512.FusedMultiplyAdd(v, d0, w80); w81 = Vector512.FusedMultiplyAdd(v, d1, w81);
            }
        }
        int ldw = ldy;
        Add(dw, w00, w01, m0, m1);
        if (keep > 1) Add(dw + ldw, w10, w11, m0, m1);
        if (keep > 2) Add(dw + 2 * ldw, w20, w21, m0, m1);
        if (keep > 3) Add(dw + 3 * ldw, w30, w31, m0, m1);
        if (keep > 4) Add(dw + 4 * ldw, w40, w41, m0, m1);
        if (keep > 5) Add(dw + 5 * ldw, w50, w51, m0, m1);
        if (keep > 6) Add(dw + 6 * ldw, w60, w61, m0, m1);
        if (keep > 7) Add(dw + 7 * ldw, w70, w71, m0, m1);
        if (keep > 8) Add(dw + 8 * ldw, w80, w81, m0, m1);
        if (db != null) Add(db, s0, s1, m0, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* target, Vector512<float> a0, Vector512<float> a1, Vector512<float> m0, Vector512<float> m1)
    {
        Avx512F.MaskStore(target, m0, Avx512F.MaskLoad(target, m0, Vector512<float>.Zero) + a0);
        Avx512F.MaskStore(target + 16, m1, Avx512F.MaskLoad(target + 16, m1, Vector512<float>.Zero) + a1);
    }

    /// <summary>
    /// A single-channel image as the kernels read it: the image itself when there is no padding, else a copy
    /// inside a zero border (in this thread's scratch), so that every tap of every output pixel is in bounds.
    /// </summary>
    private readonly struct PaddedImage
    {
        private readonly float* _scratch;
        private readonly int _padBottom, _padRight;

        public readonly int Stride, Rows;

        /// <summary>Whether images are copied into a padded scratch (one at a time) rather than read in place.</summary>
        public bool Copies => _scratch != null;

        public PaddedImage(in ConvolutionGeometry g)
        {
            // Rows and columns the last window reaches past the image (0 for "valid").
            _padBottom = Math.Max(0, (g.OutputHeight - 1) * g.StrideHeight + (g.KernelHeight - 1) * g.DilationHeight + 1 - g.PadTop - g.Height);
            _padRight = Math.Max(0, (g.OutputWidth - 1) * g.StrideWidth + (g.KernelWidth - 1) * g.DilationWidth + 1 - g.PadLeft - g.Width);
            bool padded = g.PadTop > 0 || g.PadLeft > 0 || _padBottom > 0 || _padRight > 0;
            Stride = g.Width + g.PadLeft + _padRight;
            Rows = g.Height + g.PadTop + _padBottom;
            _scratch = padded ? ConvolutionBuffers.Current.Get(ConvolutionBuffers.Patches, (long)Stride * Rows) : null;
            if (padded) Im2Col.Clear(_scratch, Stride * Rows);
        }

        /// <summary>Image <paramref name="n"/> of the batch, its first padded pixel at the returned address.</summary>
        public float* Of(in ConvolutionGeometry g, float* images, int n)
        {
            float* image = images + (long)n * g.ImageSize;
            if (_scratch == null) return image;
            for (int h = 0; h < g.Height; h++)
                Im2Col.Copy(image + (long)h * g.Width, _scratch + (long)(h + g.PadTop) * Stride + g.PadLeft, g.Width);
            return _scratch;
        }

        /// <summary>Where each tap (kh, kw) lies relative to its window's first pixel.</summary>
        public void TapOffsets(in ConvolutionGeometry g, int* offsets)
        {
            for (int kh = 0; kh < g.KernelHeight; kh++)
                for (int kw = 0; kw < g.KernelWidth; kw++)
                    offsets[kh * g.KernelWidth + kw] = kh * g.DilationHeight * Stride + kw * g.DilationWidth;
        }
    }
}

using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Depthwise convolution over NHWC images (Keras' <c>DepthwiseConv2D</c>, and a convolution whose groups are its
/// input channels): output channel e = c·M + m, for input channel c and depth multiplier M, is channel c convolved
/// with its own kernel, y[n, oh, ow, e] = bias[e] + Σ_taps x[n, ih, iw, e / M]·w[kh, kw, e]. The kernel (kh, kw, C, M)
/// is, in memory, (kh, kw, E) with E = C·M, so every loop runs over the E output channels, contiguous in NHWC, in
/// groups of lanes. A GEMM would see a patch of Kh·Kw values per channel, too short to pay for packing. With M &gt; 1
/// each image is first widened to E channels (each value repeated M times) so the loops stay the same.
/// <list type="bullet">
/// <item>Forward, split over output rows: each output pixel sums its taps in (kh, kw) order; four pixels at a time
/// share each kernel load where every tap lies inside the row.</item>
/// <item>Input gradient, split over input rows: each input pixel gathers the output gradients that read it, in (kh, kw)
/// order, so no two threads write one pixel and no scatter races (then the M channels of c are added, in order).</item>
/// <item>Kernel and bias gradients: sums over every output pixel, cut into a number of chunks that depends on the
/// sizes only; each chunk sums its rows into its own partial, and the partials are added in chunk order, so the bits
/// are the same at any thread count. Within a chunk each lane adds its terms in one fixed order, so the bits are
/// also the same at every vector width.</item>
/// </list>
/// </summary>
internal static unsafe class DepthwiseConvolution
{
    private const long ParallelMinMultiplyAdds = 1_000_000;
    private const long ChunkMultiplyAdds = 1 << 18;  // about a tenth of a millisecond of work per partial gradient
    private const int MaxChunks = 64;
    private const long PartialFloatsLimit = 4 << 20;
    private const int PixelGroup = 4;

    /// <summary>y = conv(x, kernel) + bias, <paramref name="g"/>.Filters being E = C·M; <paramref name="bias"/> may be null.</summary>
    internal static void Forward(in ConvolutionGeometry g, float* x, float* kernel, float* bias, float* y)
    {
        if (g.Rows == 0 || g.Filters == 0) return;
        int rows = g.Batch * g.OutputHeight;
        var body = new RowsBody { G = g, X = x, Kernel = kernel, Bias = bias, Y = y, Rows = rows, Pass = Pass.Forward };
        Run(ref body, rows, g.MultiplyAdds);
    }

    /// <summary>
    /// Gradients from the output gradient <paramref name="dy"/>; each of <paramref name="dx"/>, <paramref name="dw"/>,
    /// <paramref name="db"/> may be null when not wanted; those given are overwritten.
    /// </summary>
    internal static void Backward(in ConvolutionGeometry g, float* x, float* kernel, float* dy, float* dx, float* dw, float* db)
    {
        if (g.Batch == 0) return;
        if (dx != null)
        {
            int rows = g.Batch * g.Height;
            var body = new RowsBody { G = g, Kernel = kernel, DY = dy, DX = dx, Rows = rows, Pass = Pass.InputGradient };
            Run(ref body, rows, g.MultiplyAdds);
        }
        if (dw != null || db != null) KernelGradient(g, x, dy, dw, db);
    }

    private static void KernelGradient(in ConvolutionGeometry g, float* x, float* dy, float* dw, float* db)
    {
        int e = g.Filters, taps = g.KernelHeight * g.KernelWidth, rows = g.Batch * g.OutputHeight;
        long partial = (long)taps * e + e;
        if (rows == 0 || e == 0)
        {
            if (dw != null) new Span<float>(dw, taps * e).Clear();
            if (db != null) new Span<float>(db, e).Clear();
            return;
        }
        // The chunks follow the sizes alone, never the thread count.
        long chunks = Math.Clamp((g.MultiplyAdds + ChunkMultiplyAdds - 1) / ChunkMultiplyAdds, 1, Math.Min(MaxChunks, rows));
        chunks = Math.Max(1, Math.Min(chunks, PartialFloatsLimit / partial));
        var body = new RowsBody
        {
            G = g, X = x, DY = dy, Rows = rows, Pass = Pass.KernelGradient, Chunks = (int)chunks, PartialStride = partial,
            Partials = ConvolutionBuffers.Current.Get(ConvolutionBuffers.Partials, chunks * partial),
        };
        if (g.MultiplyAdds < ParallelMinMultiplyAdds || Parallelism.Threads == 1 || chunks == 1)
            for (int c = 0; c < chunks; c++) body.Execute(c);
        else WorkerPool.For((int)chunks, ref body);
        for (int c = 0; c < chunks; c++)
        {
            float* source = body.Partials + c * partial;
            if (dw != null) Accumulate(source, dw, taps * e, first: c == 0);
            if (db != null) Accumulate(source + (long)taps * e, db, e, first: c == 0);
        }
    }

    private static void Accumulate(float* source, float* target, int count, bool first)
    {
        if (first) new ReadOnlySpan<float>(source, count).CopyTo(new Span<float>(target, count));
        else Im2Col.AddTo(source, target, count);
    }

    /// <summary>Runs a row pass over items of whole rows: the rows of an item are one thread's, so the split does not change any value.</summary>
    private static void Run(ref RowsBody body, int rows, long work)
    {
        if (work < ParallelMinMultiplyAdds || Parallelism.Threads == 1)
        {
            body.Items = 1;
            body.Execute(0);
            return;
        }
        body.Items = Math.Min(rows, 4 * Parallelism.Threads);
        WorkerPool.For(body.Items, ref body);
    }

    private enum Pass
    {
        Forward,
        InputGradient,
        KernelGradient,
    }

    /// <summary>One item of a pass: a range of rows (output rows forward and for the kernel gradient, input rows for the input gradient).</summary>
    private struct RowsBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, Kernel, Bias, Y, DY, DX, Partials;
        public int Rows, Items, Chunks;
        public long PartialStride;
        public Pass Pass;

        public readonly void Execute(int item)
        {
            int parts = Pass == Pass.KernelGradient ? Chunks : Items;
            int first = (int)((long)Rows * item / parts), end = (int)((long)Rows * (item + 1) / parts);
            if (first >= end && Pass != Pass.KernelGradient) return;
            var rows = new RowKernel
            {
                G = G, X = X, Kernel = Kernel, Bias = Bias, Y = Y, DY = DY, DX = DX, First = first, End = end, Pass = Pass,
                Partial = Partials == null ? null : Partials + item * PartialStride,
            };
            LaneKernel.Run(ref rows);
        }
    }

    private struct RowKernel : ILaneKernel
    {
        public ConvolutionGeometry G;
        public float* X, Kernel, Bias, Y, DY, DX, Partial;
        public int First, End;
        public Pass Pass;

        public readonly void Run<T>() where T : struct, ILanes<T>
        {
            switch (Pass)
            {
                case Pass.Forward: ForwardRows<T>(G, X, Kernel, Bias, Y, First, End); break;
                case Pass.InputGradient: InputGradientRows<T>(G, Kernel, DY, DX, First, End); break;
                default: KernelGradientRows<T>(G, X, DY, Partial, First, End); break;
            }
        }
    }

    // ---- the widened image (M > 1) --------------------------------------------------------------------

    /// <summary>Image <paramref name="n"/> with E channels: itself when M = 1, else each value repeated M times into the thread's scratch.</summary>
    private static float* Image(in ConvolutionGeometry g, float* x, int n)
    {
        float* image = x + (long)n * g.ImageSize;
        int m = g.Filters / g.Channels;
        if (m == 1) return image;
        int pixels = g.Height * g.Width, c = g.Channels;
        float* wide = ConvolutionBuffers.Current.Get(ConvolutionBuffers.Widened, (long)pixels * g.Filters);
        float* target = wide;
        for (long p = 0; p < (long)pixels * c; p++)
        {
            float value = image[p];
            for (int k = 0; k < m; k++) *target++ = value;
        }
        return wide;
    }

    // ---- forward --------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows<T>(in ConvolutionGeometry g, float* x, float* kernel, float* bias, float* y, int first, int end)
        where T : struct, ILanes<T>
    {
        int e = g.Filters, ho = g.OutputHeight, wo = g.OutputWidth;
        int sw = g.StrideWidth, dw = g.DilationWidth, kwCount = g.KernelWidth;
        long rowStride = (long)g.Width * e;
        // Output columns whose every tap lies inside the row: ow·sw − padLeft ≥ 0 and that + (kw − 1)·dw < width.
        int interiorFirst = Math.Min(wo, (g.PadLeft + sw - 1) / sw);
        int lastStart = g.Width - 1 - (kwCount - 1) * dw + g.PadLeft; // largest ow·sw allowed
        int interiorEnd = lastStart < 0 ? 0 : Math.Min(wo, lastStart / sw + 1);
        if (interiorEnd < interiorFirst) interiorEnd = interiorFirst;
        int current = -1;
        float* image = null;
        for (int row = first; row < end; row++)
        {
            int n = row / ho, oh = row - n * ho;
            if (n != current)
            {
                image = Image(g, x, n);
                current = n;
            }
            var (khFirst, khEnd, ih0) = KernelRows(g, oh);
            float* output = y + (long)row * wo * e;
            int ow = 0;
            for (; ow < interiorFirst; ow++) Pixel<T>(g, image, kernel, bias, rowStride, khFirst, khEnd, ih0, ow, output + (long)ow * e);
            for (; ow + PixelGroup <= interiorEnd; ow += PixelGroup)
                Pixels4<T>(g, image, kernel, bias, rowStride, khFirst, khEnd, ih0, ow, output + (long)ow * e);
            for (; ow < wo; ow++) Pixel<T>(g, image, kernel, bias, rowStride, khFirst, khEnd, ih0, ow, output + (long)ow * e);
        }
    }

    /// <summary>The kernel rows whose input row lies inside the image for output row <paramref name="oh"/>, and that row's first input row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int First, int End, int InputRow) KernelRows(in ConvolutionGeometry g, int oh)
    {
        int ih0 = oh * g.StrideHeight - g.PadTop, dh = g.DilationHeight;
        int first = ih0 >= 0 ? 0 : (-ih0 + dh - 1) / dh;
        int end = g.Height - 1 - ih0 < 0 ? 0 : Math.Min(g.KernelHeight, (g.Height - 1 - ih0) / dh + 1);
        return (first, Math.Max(first, end), ih0);
    }

    /// <summary>One output pixel, any position: taps outside the image are left out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixel<T>(in ConvolutionGeometry g, float* image, float* kernel, float* bias, long rowStride,
        int khFirst, int khEnd, int ih0, int ow, float* output) where T : struct, ILanes<T>
    {
        int e = g.Filters, iw0 = ow * g.StrideWidth - g.PadLeft, dw = g.DilationWidth;
        int kwFirst = iw0 >= 0 ? 0 : (-iw0 + dw - 1) / dw;
        int kwEnd = g.Width - 1 - iw0 < 0 ? 0 : Math.Min(g.KernelWidth, (g.Width - 1 - iw0) / dw + 1);
        int k = 0;
        for (; k + T.Count <= e; k += T.Count) PixelLanes<T>(g, image, kernel, bias, rowStride, khFirst, khEnd, ih0, kwFirst, kwEnd, iw0, k, output);
        for (; k < e; k++) PixelLanes<Lane1>(g, image, kernel, bias, rowStride, khFirst, khEnd, ih0, kwFirst, kwEnd, iw0, k, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PixelLanes<T>(in ConvolutionGeometry g, float* image, float* kernel, float* bias, long rowStride,
        int khFirst, int khEnd, int ih0, int kwFirst, int kwEnd, int iw0, int k, float* output) where T : struct, ILanes<T>
    {
        int e = g.Filters;
        var sum = bias == null ? T.Broadcast(0f) : T.Load(bias + k);
        for (int kh = khFirst; kh < khEnd; kh++)
        {
            float* line = image + (ih0 + kh * g.DilationHeight) * rowStride + k;
            float* taps = kernel + (long)kh * g.KernelWidth * e + k;
            for (int kw = kwFirst; kw < kwEnd; kw++)
                sum = T.MultiplyAdd(T.Load(line + (long)(iw0 + kw * g.DilationWidth) * e), T.Load(taps + (long)kw * e), sum);
        }
        T.Store(output + k, sum);
    }

    /// <summary>Four neighbouring output pixels whose taps all lie inside the row: each kernel load serves four sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixels4<T>(in ConvolutionGeometry g, float* image, float* kernel, float* bias, long rowStride,
        int khFirst, int khEnd, int ih0, int ow, float* output) where T : struct, ILanes<T>
    {
        int e = g.Filters, k = 0;
        for (; k + T.Count <= e; k += T.Count) Pixels4Lanes<T>(g, image, kernel, bias, rowStride, khFirst, khEnd, ih0, ow, k, output);
        for (; k < e; k++) Pixels4Lanes<Lane1>(g, image, kernel, bias, rowStride, khFirst, khEnd, ih0, ow, k, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixels4Lanes<T>(in ConvolutionGeometry g, float* image, float* kernel, float* bias, long rowStride,
        int khFirst, int khEnd, int ih0, int ow, int k, float* output) where T : struct, ILanes<T>
    {
        int e = g.Filters;
        long step = (long)g.StrideWidth * e, tapStep = (long)g.DilationWidth * e;
        var s0 = bias == null ? T.Broadcast(0f) : T.Load(bias + k);
        T s1 = s0, s2 = s0, s3 = s0;
        for (int kh = khFirst; kh < khEnd; kh++)
        {
            float* p = image + (ih0 + kh * g.DilationHeight) * rowStride + (long)(ow * g.StrideWidth - g.PadLeft) * e + k;
            float* taps = kernel + (long)kh * g.KernelWidth * e + k;
            for (int kw = 0; kw < g.KernelWidth; kw++, p += tapStep)
            {
                var w = T.Load(taps + (long)kw * e);
                s0 = T.MultiplyAdd(T.Load(p), w, s0);
                s1 = T.MultiplyAdd(T.Load(p + step), w, s1);
                s2 = T.MultiplyAdd(T.Load(p + 2 * step), w, s2);
                s3 = T.MultiplyAdd(T.Load(p + 3 * step), w, s3);
            }
        }
        T.Store(output + k, s0);
        T.Store(output + e + k, s1);
        T.Store(output + 2 * e + k, s2);
        T.Store(output + 3 * e + k, s3);
    }

    // ---- input gradient -------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void InputGradientRows<T>(in ConvolutionGeometry g, float* kernel, float* dy, float* dx, int first, int end)
        where T : struct, ILanes<T>
    {
        int e = g.Filters, c = g.Channels, m = e / c, width = g.Width;
        // With M > 1 a row's E-channel gradient is gathered here, then its M channels per input channel added up.
        float* wide = m == 1 ? null : ConvolutionBuffers.Current.Get(ConvolutionBuffers.Widened, (long)width * e);
        for (int row = first; row < end; row++)
        {
            int n = row / g.Height, ih = row - n * g.Height;
            float* target = m == 1 ? dx + (long)row * width * c : wide;
            float* gradient = dy + (long)n * g.OutputPixels * e;
            for (int iw = 0; iw < width; iw++)
            {
                int k = 0;
                for (; k + T.Count <= e; k += T.Count) GatherLanes<T>(g, kernel, gradient, ih, iw, k, target + (long)iw * e);
                for (; k < e; k++) GatherLanes<Lane1>(g, kernel, gradient, ih, iw, k, target + (long)iw * e);
            }
            if (m == 1) continue;
            float* narrow = dx + (long)row * width * c;
            for (long p = 0; p < (long)width * c; p++)
            {
                float* values = wide + p * m;
                float sum = values[0];
                for (int j = 1; j < m; j++) sum += values[j];
                narrow[p] = sum;
            }
        }
    }

    /// <summary>The gradient of input pixel (ih, iw): every output pixel that read it, in (kh, kw) order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherLanes<T>(in ConvolutionGeometry g, float* kernel, float* gradient, int ih, int iw, int k, float* output)
        where T : struct, ILanes<T>
    {
        int e = g.Filters;
        var sum = T.Broadcast(0f);
        for (int kh = 0; kh < g.KernelHeight; kh++)
        {
            int t = ih + g.PadTop - kh * g.DilationHeight;
            if (t < 0) break; // larger kh only lowers t
            int oh = t / g.StrideHeight;
            if (oh * g.StrideHeight != t || oh >= g.OutputHeight) continue;
            float* line = gradient + (long)oh * g.OutputWidth * e + k;
            float* taps = kernel + (long)kh * g.KernelWidth * e + k;
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int u = iw + g.PadLeft - kw * g.DilationWidth;
                if (u < 0) break;
                int ow = u / g.StrideWidth;
                if (ow * g.StrideWidth != u || ow >= g.OutputWidth) continue;
                sum = T.MultiplyAdd(T.Load(line + (long)ow * e), T.Load(taps + (long)kw * e), sum);
            }
        }
        T.Store(output + k, sum);
    }

    // ---- kernel and bias gradients --------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void KernelGradientRows<T>(in ConvolutionGeometry g, float* x, float* dy, float* partial, int first, int end)
        where T : struct, ILanes<T>
    {
        int e = g.Filters, ho = g.OutputHeight, wo = g.OutputWidth, taps = g.KernelHeight * g.KernelWidth;
        float* biasPartial = partial + (long)taps * e;
        new Span<float>(partial, taps * e + e).Clear();
        long rowStride = (long)g.Width * e;
        int current = -1;
        float* image = null;
        for (int row = first; row < end; row++)
        {
            int n = row / ho, oh = row - n * ho;
            if (n != current)
            {
                image = Image(g, x, n);
                current = n;
            }
            float* gradient = dy + (long)row * wo * e;
            var (khFirst, khEnd, ih0) = KernelRows(g, oh);
            for (int kh = khFirst; kh < khEnd; kh++)
            {
                float* line = image + (ih0 + kh * g.DilationHeight) * rowStride;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    // The output columns whose tap kw lies inside the row.
                    int offset = kw * g.DilationWidth - g.PadLeft;
                    int owFirst = offset >= 0 ? 0 : (-offset + g.StrideWidth - 1) / g.StrideWidth;
                    int owEnd = g.Width - 1 - offset < 0 ? 0 : Math.Min(wo, (g.Width - 1 - offset) / g.StrideWidth + 1);
                    if (owEnd <= owFirst) continue;
                    float* sums = partial + (long)(kh * g.KernelWidth + kw) * e;
                    int k = 0;
                    for (; k + T.Count <= e; k += T.Count) TapLanes<T>(g, line, gradient, offset, owFirst, owEnd, k, sums);
                    for (; k < e; k++) TapLanes<Lane1>(g, line, gradient, offset, owFirst, owEnd, k, sums);
                }
            }
            int b = 0;
            for (; b + T.Count <= e; b += T.Count) BiasLanes<T>(gradient, wo, e, b, biasPartial);
            for (; b < e; b++) BiasLanes<Lane1>(gradient, wo, e, b, biasPartial);
        }
    }

    /// <summary>sums[k..] += Σ over the row's output columns of dy·x at tap offset <paramref name="offset"/>, in column order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TapLanes<T>(in ConvolutionGeometry g, float* line, float* gradient, int offset, int owFirst, int owEnd, int k, float* sums)
        where T : struct, ILanes<T>
    {
        int e = g.Filters;
        long step = (long)g.StrideWidth * e;
        float* p = line + (long)(owFirst * g.StrideWidth + offset) * e + k;
        float* d = gradient + (long)owFirst * e + k;
        var sum = T.Load(sums + k);
        for (int ow = owFirst; ow < owEnd; ow++, p += step, d += e) sum = T.MultiplyAdd(T.Load(d), T.Load(p), sum);
        T.Store(sums + k, sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BiasLanes<T>(float* gradient, int columns, int e, int k, float* sums) where T : struct, ILanes<T>
    {
        var sum = T.Load(sums + k);
        for (int ow = 0; ow < columns; ow++) sum = sum + T.Load(gradient + (long)ow * e + k);
        T.Store(sums + k, sum);
    }
}

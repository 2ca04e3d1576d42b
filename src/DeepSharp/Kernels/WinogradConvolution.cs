using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// 3×3 stride-1 convolution by Winograd's F(2×2, 3×3): each 2×2 block of output pixels (a tile) comes from a
/// 4×4 block of input, and in the transformed domain the convolution is 16 independent products over the
/// channels, so a tile costs 16·C·F multiply-adds instead of the direct 36·C·F (2.25× fewer). For a block of
/// tiles (the rows of the products, sized so that everything stays in L2):
/// <list type="number">
/// <item>the input transform V = Bᵀ·d·B of each tile, 16 vectors of C channels, vectorised over the channels;</item>
/// <item>16 GEMMs, (tiles × C) by (C × F), on the GEMM micro-kernel against the kernel transformed once per call
/// (U = G·g·Gᵀ, written straight into the micro-kernel's packed panels);</item>
/// <item>the output transform Y = Aᵀ·M·A of each tile, with bias and activation, stored where the tile lies in
/// the image (an odd output size leaves half a tile unstored).</item>
/// </list>
/// F(2×2, 3×3) rather than F(4×4, 3×3): its transforms are sums and differences only (the kernel's ·½ is exact), so
/// results stay within a few float rounding steps of the direct convolution whatever the magnitudes, where F(4×4)
/// loses about an order of magnitude more. Every output depends only on its own tile, never on how tiles are cut
/// into blocks or threads, so results have the same bits at any thread count. AVX-512 only.
/// </summary>
internal static unsafe class WinogradConvolution
{
    private const int Points = 16;                  // a transformed tile: 4×4
    private const int KcMax = 320;                  // k blocks of the products, as the convolution driver's
    private const int BlockFloats = 96 * 1024;      // V and M of one block of tiles: 384 KB, in L2
    private const int MaxBlockTiles = 120;
    private const long ParallelMinMultiplyAdds = 1_000_000;
    private const int MinChannels = 8;              // fewer channels: the transforms cost more than the products save
    private const int MinFilters = 16;

    /// <summary>
    /// Whether convolutions may take this path; false forces the direct (im2col GEMM) path everywhere, for A/B
    /// comparisons. Starts false when the environment variable <c>DEEPSHARP_CONVOLUTION</c> is <c>direct</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_CONVOLUTION"), "direct", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this kernel handles <paramref name="g"/> (the caller has checked that the level is Vector512).</summary>
    internal static bool Applies(in ConvolutionGeometry g) =>
        Enabled && Avx512F.IsSupported
        && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.Channels >= MinChannels && g.Filters >= MinFilters && g.OutputHeight >= 2 && g.OutputWidth >= 2;

    // ---- forward --------------------------------------------------------------------------------------

    internal static void Forward(in ConvolutionGeometry g, float* x, float* kernel, float* bias, FusedActivation activation, float* y)
    {
        float* u = ConvolutionBuffers.Current.Get(ConvolutionBuffers.PackedKernel, TransformedKernelSize(g));
        TransformKernel(g, kernel, u);
        ForwardTransformed(g, x, u, bias, activation, y);
    }

    /// <summary>Floats of the transformed kernel of <paramref name="g"/> (<see cref="TransformKernel(in ConvolutionGeometry, float*, float*)"/>).</summary>
    internal static long TransformedKernelSize(in ConvolutionGeometry g) => Points * PointStride(g.Channels, PaddedFilters(g.Filters));

    /// <summary>Floats from one point's panels of a transformed kernel to the next's (a whole C × padded F, spread).</summary>
    private static long PointStride(int channels, int paddedFilters) => WinogradKernelGradient.Spread((long)channels * paddedFilters);

    /// <summary>The kernel of <paramref name="g"/> transformed for <see cref="ForwardTransformed"/>.</summary>
    internal static void TransformKernel(in ConvolutionGeometry g, float* kernel, float* u) =>
        TransformKernel(kernel, g.Channels, g.Filters, PaddedFilters(g.Filters), u);

    private static int PaddedFilters(int filters) => (filters + GemmKernel512.Columns - 1) / GemmKernel512.Columns * GemmKernel512.Columns;

    /// <summary>
    /// The forward pass with the kernel already transformed (<paramref name="u"/>, from
    /// <see cref="TransformKernel(in ConvolutionGeometry, float*, float*)"/>): a caller that convolves a batch in pieces
    /// transforms it once.
    /// </summary>
    internal static void ForwardTransformed(in ConvolutionGeometry g, float* x, float* u, float* bias, FusedActivation activation, float* y)
    {
        int mr = GemmKernel512.Rows;
        int channels = g.Channels, paddedFilters = PaddedFilters(g.Filters);
        var body = new ForwardBody
        {
            G = g, X = x, Bias = bias, Y = y, Relu = activation.IsRelu,
            TilesHigh = (g.OutputHeight + 1) / 2, TilesWide = (g.OutputWidth + 1) / 2,
            PaddedFilters = paddedFilters,
            KcStep = KStep(channels),
        };
        body.Tiles = g.Batch * body.TilesHigh * body.TilesWide;
        int blockTiles = Math.Clamp(BlockFloats / (Points * (channels + paddedFilters)), mr, MaxBlockTiles) / mr * mr;
        body.BlockTiles = Math.Min(blockTiles, (body.Tiles + 3) / 4 * 4);
        body.Blocks = (body.Tiles + body.BlockTiles - 1) / body.BlockTiles;
        body.U = u;
        if (g.MultiplyAdds < ParallelMinMultiplyAdds || Parallelism.Threads == 1 || body.Blocks == 1)
            for (int b = 0; b < body.Blocks; b++) body.Execute(b);
        else WorkerPool.For(body.Blocks, ref body);
    }

    private struct ForwardBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, U, Bias, Y;
        public bool Relu;
        public int TilesHigh, TilesWide, Tiles, BlockTiles, Blocks, PaddedFilters, KcStep;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int block)
        {
            int channels = G.Channels, paddedFilters = PaddedFilters;
            int t0 = block * BlockTiles, count = Math.Min(BlockTiles, Tiles - t0);
            int rows = (count + 3) / 4 * 4; // the micro-kernel reads 12, 8 or 4 rows in place
            var buffers = ConvolutionBuffers.Current;
            long vStride = WinogradKernelGradient.Spread((long)BlockTiles * channels), mStride = WinogradKernelGradient.Spread((long)BlockTiles * paddedFilters);
            float* v = buffers.Get(ConvolutionBuffers.Patches, Points * vStride);
            float* m = buffers.Get(ConvolutionBuffers.OutputGradient, Points * mStride);

            for (int t = 0; t < count; t++)
            {
                var (n, top, left) = TileOrigin(t0 + t);
                InputTile(n, top - G.PadTop, left - G.PadLeft, v + (long)t * channels, vStride);
            }
            // Rows past the last tile feed only rows of M that are never read: zero, so they stay ordinary numbers.
            for (int e = 0; e < Points; e++)
                Im2Col.Clear(v + e * vStride + (long)count * channels, (rows - count) * channels);

            for (int e = 0; e < Points; e++)
            {
                float* a = v + e * vStride, c = m + e * mStride, u = U + e * PointStride(channels, paddedFilters);
                for (int pc = 0; pc < channels; pc += KcStep)
                {
                    int kc = Math.Min(KcStep, channels - pc);
                    for (int ir = 0; ir < rows; ir += GemmKernel512.Rows)
                        for (int jr = 0; jr < paddedFilters; jr += GemmKernel512.Columns)
                            GemmKernel512.RunRowMajorA(kc, a + (long)ir * channels + pc, channels,
                                u + (long)jr * channels + pc * GemmKernel512.Columns, GemmKernel512.Columns,
                                c + (long)ir * paddedFilters + jr, paddedFilters, Math.Min(GemmKernel512.Rows, rows - ir),
                                GemmKernel512.Columns, pc > 0);
                }
            }

            for (int t = 0; t < count; t++)
            {
                var (n, top, left) = TileOrigin(t0 + t);
                OutputTile(n, top, left, m + (long)t * paddedFilters, mStride);
            }
        }

        /// <summary>Image and top-left output pixel of tile <paramref name="tile"/>.</summary>
        private readonly (int N, int Top, int Left) TileOrigin(int tile)
        {
            int perImage = TilesHigh * TilesWide;
            int n = tile / perImage, r = tile - n * perImage;
            int ty = r / TilesWide;
            return (n, 2 * ty, 2 * (r - ty * TilesWide));
        }

        /// <summary>V = Bᵀ·d·B of the 4×4 input block at (<paramref name="top"/>, <paramref name="left"/>), zero outside the image.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void InputTile(int n, int top, int left, float* v, long stride)
        {
            int height = G.Height, width = G.Width, channels = G.Channels;
            float* image = X + (long)n * G.ImageSize;
            int columnsIn = 0; // bit j: column left + j lies in the image
            for (int j = 0; j < 4; j++)
                if ((uint)(left + j) < (uint)width) columnsIn |= 1 << j;
            for (int c0 = 0; c0 < channels; c0 += 16)
            {
                var mask = Im2Col.TailMask(channels - c0);
                RowOf(image, top, height, width, channels, left, columnsIn, c0, mask, out var a0, out var a1, out var a2, out var a3);
                RowOf(image, top + 1, height, width, channels, left, columnsIn, c0, mask, out var b0, out var b1, out var b2, out var b3);
                RowOf(image, top + 2, height, width, channels, left, columnsIn, c0, mask, out var d0, out var d1, out var d2, out var d3);
                RowOf(image, top + 3, height, width, channels, left, columnsIn, c0, mask, out var e0, out var e1, out var e2, out var e3);
                float* o = v + c0;
                Store(o, 0 * stride, mask, a0 - d0); Store(o, 1 * stride, mask, a1 - d1); Store(o, 2 * stride, mask, a2 - d2); Store(o, 3 * stride, mask, a3 - d3);
                Store(o, 4 * stride, mask, b0 + d0); Store(o, 5 * stride, mask, b1 + d1); Store(o, 6 * stride, mask, b2 + d2); Store(o, 7 * stride, mask, b3 + d3);
                Store(o, 8 * stride, mask, d0 - b0); Store(o, 9 * stride, mask, d1 - b1); Store(o, 10 * stride, mask, d2 - b2); Store(o, 11 * stride, mask, d3 - b3);
                Store(o, 12 * stride, mask, b0 - e0); Store(o, 13 * stride, mask, b1 - e1); Store(o, 14 * stride, mask, b2 - e2); Store(o, 15 * stride, mask, b3 - e3);
            }
        }

        /// <summary>Row <paramref name="row"/> of the input block times B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowOf(float* image, int row, int height, int width, int channels, int left, int columnsIn, int c0,
            Vector512<float> mask, out Vector512<float> w0, out Vector512<float> w1, out Vector512<float> w2, out Vector512<float> w3)
        {
            Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default;
            if ((uint)row < (uint)height)
            {
                float* p = image + ((long)row * width + left) * channels + c0;
                if ((columnsIn & 1) != 0) d0 = Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);
                if ((columnsIn & 2) != 0) d1 = Avx512F.MaskLoad(p + channels, mask, Vector512<float>.Zero);
                if ((columnsIn & 4) != 0) d2 = Avx512F.MaskLoad(p + 2 * channels, mask, Vector512<float>.Zero);
                if ((columnsIn & 8) != 0) d3 = Avx512F.MaskLoad(p + 3 * channels, mask, Vector512<float>.Zero);
            }
            w0 = d0 - d2;
            w1 = d1 + d2;
            w2 = d2 - d1;
            w3 = d1 - d3;
        }

        /// <summary>Y = Aᵀ·M·A of one tile, plus bias and activation, stored where it lies inside the output.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void OutputTile(int n, int top, int left, float* m, long stride)
        {
            int filters = G.Filters, outWidth = G.OutputWidth;
            bool second = left + 1 < outWidth, below = top + 1 < G.OutputHeight;
            float* y0 = Y + (((long)n * G.OutputHeight + top) * outWidth + left) * filters;
            float* y1 = y0 + (long)outWidth * filters;
            for (int f0 = 0; f0 < filters; f0 += 16)
            {
                var mask = Im2Col.TailMask(filters - f0);
                float* p = m + f0;
                // Rows of M times A: (m0 + m1 + m2, m1 − m2 − m3).
                RowTimesA(p, 0, stride, out var s00, out var s01);
                RowTimesA(p, 4, stride, out var s10, out var s11);
                RowTimesA(p, 8, stride, out var s20, out var s21);
                RowTimesA(p, 12, stride, out var s30, out var s31);
                var bias = Bias == null ? Vector512<float>.Zero : Avx512F.MaskLoad(Bias + f0, mask, Vector512<float>.Zero);
                var zero = Vector512<float>.Zero;
                var r00 = s00 + s10 + s20 + bias;
                var r01 = s01 + s11 + s21 + bias;
                var r10 = s10 - s20 - s30 + bias;
                var r11 = s11 - s21 - s31 + bias;
                if (Relu)
                {
                    r00 = Vector512.Max(r00, zero);
                    r01 = Vector512.Max(r01, zero);
                    r10 = Vector512.Max(r10, zero);
                    r11 = Vector512.Max(r11, zero);
                }
                Avx512F.MaskStore(y0 + f0, mask, r00);
                if (second) Avx512F.MaskStore(y0 + filters + f0, mask, r01);
                if (below)
                {
                    Avx512F.MaskStore(y1 + f0, mask, r10);
                    if (second) Avx512F.MaskStore(y1 + filters + f0, mask, r11);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowTimesA(float* p, int first, long stride, out Vector512<float> s0, out Vector512<float> s1)
        {
            var m0 = Vector512.Load(p + first * stride);
            var m1 = Vector512.Load(p + (first + 1) * stride);
            var m2 = Vector512.Load(p + (first + 2) * stride);
            var m3 = Vector512.Load(p + (first + 3) * stride);
            s0 = m0 + m1 + m2;
            s1 = m1 - m2 - m3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* o, long at, Vector512<float> mask, Vector512<float> value) => Avx512F.MaskStore(o + at, mask, value);
    }

    // ---- input gradient: the 3×3 stride-1 convolution of the output gradient with the flipped kernel ----------

    /// <summary>Whether the input gradient of <paramref name="g"/> takes this path (its own shape decides: C and F swap).</summary>
    // The transposed convolution is always stride 1, so the forward convolution's own stride and dilation must be
    // checked here: a strided convolution's input gradient is not a stride-1 convolution of the output gradient.
    internal static bool TakesInputGradient(in ConvolutionGeometry g) =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.PadTop <= 2 && g.PadLeft <= 2 && Applies(Transposed(g));

    /// <summary>
    /// dx of a convolution, overwritten: dy masked by the fused activation's derivative, then convolved with the
    /// kernel turned by 180° and its channels and filters swapped, padded by 2 − pad (a valid convolution's
    /// gradient is a full one).
    /// </summary>
    internal static void InputGradient(in ConvolutionGeometry g, float* kernel, float* outputGradient, float* output,
        FusedActivation activation, float* inputGradient)
    {
        float* u = ConvolutionBuffers.Current.Get(ConvolutionBuffers.PackedKernel, InputGradientKernelSize(g));
        TransformInputGradientKernel(g, kernel, u);
        InputGradientTransformed(g, u, outputGradient, output, activation, inputGradient);
    }

    /// <summary>Floats of <see cref="TransformInputGradientKernel"/>'s result.</summary>
    internal static long InputGradientKernelSize(in ConvolutionGeometry g) => TransformedKernelSize(Transposed(g));

    /// <summary>
    /// The kernel of the input gradient's convolution (turned by 180°, channels and filters swapped), transformed for
    /// <see cref="InputGradientTransformed"/>.
    /// </summary>
    internal static void TransformInputGradientKernel(in ConvolutionGeometry g, float* kernel, float* u)
    {
        int channels = g.Channels, filters = g.Filters;
        float* flipped = ConvolutionBuffers.Current.Get(ConvolutionBuffers.FlippedKernel, 9L * channels * filters);
        for (int t = 0; t < 9; t++)
        {
            float* source = kernel + (long)(8 - t) * channels * filters, target = flipped + (long)t * channels * filters;
            for (int c = 0; c < channels; c++)
                for (int f = 0; f < filters; f++)
                    target[(long)f * channels + c] = source[(long)c * filters + f];
        }
        TransformKernel(Transposed(g), flipped, u);
    }

    /// <summary>
    /// The input gradient with its kernel already transformed (<paramref name="u"/>, from
    /// <see cref="TransformInputGradientKernel"/>): a caller that runs a batch in pieces transforms it once.
    /// </summary>
    internal static void InputGradientTransformed(in ConvolutionGeometry g, float* u, float* outputGradient, float* output,
        FusedActivation activation, float* inputGradient)
    {
        float* dy = outputGradient;
        if (!activation.IsNone)
        {
            dy = ConvolutionBuffers.Current.Get(ConvolutionBuffers.MaskedGradient, (long)g.Rows * g.Filters);
            ConvolutionPasses.Gradient(outputGradient, output, activation, g.Rows, g.Filters, dy, g.Filters, null);
        }
        ForwardTransformed(Transposed(g), dy, u, null, FusedActivation.None, inputGradient);
    }

    /// <summary>The convolution that maps the output gradient of <paramref name="g"/> to its input gradient.</summary>
    private static ConvolutionGeometry Transposed(in ConvolutionGeometry g) => new()
    {
        Batch = g.Batch, Height = g.OutputHeight, Width = g.OutputWidth, Channels = g.Filters,
        KernelHeight = 3, KernelWidth = 3, Filters = g.Channels,
        StrideHeight = 1, StrideWidth = 1, DilationHeight = 1, DilationWidth = 1,
        PadTop = 2 - g.PadTop, PadLeft = 2 - g.PadLeft,
        OutputHeight = g.Height, OutputWidth = g.Width,
    };

    // ---- shared pieces --------------------------------------------------------------------------------

    /// <summary>
    /// U = G·g·Gᵀ of each (channel, filter) pair of the HWIO <paramref name="kernel"/>, written as the micro-kernel's
    /// packed B: per point e, panels of <see cref="GemmKernel512.Columns"/> filters, each <paramref name="channels"/>
    /// deep, filters past <paramref name="filters"/> zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformKernel(float* kernel, int channels, int filters, int paddedFilters, float* u)
    {
        int nr = GemmKernel512.Columns;
        long tap = (long)channels * filters, point = PointStride(channels, paddedFilters);
        var half = Vector512.Create(0.5f);
        for (int c = 0; c < channels; c++)
        {
            for (int f0 = 0; f0 < paddedFilters; f0 += 16)
            {
                var mask = Im2Col.TailMask(filters - f0);
                float* g = kernel + (long)c * filters + f0;
                // Each kernel row times Gᵀ: (g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2).
                KernelRow(g, 0, tap, mask, half, out var h00, out var h01, out var h02, out var h03);
                KernelRow(g, 3, tap, mask, half, out var h10, out var h11, out var h12, out var h13);
                KernelRow(g, 6, tap, mask, half, out var h20, out var h21, out var h22, out var h23);
                float* o = u + (long)(f0 / nr) * channels * nr + (long)c * nr + f0 % nr;
                // Then G times the columns: rows (h0, ½(h0 + h1 + h2), ½(h0 − h1 + h2), h2).
                KernelColumn(o, 0, point, half, h00, h10, h20);
                KernelColumn(o, 1, point, half, h01, h11, h21);
                KernelColumn(o, 2, point, half, h02, h12, h22);
                KernelColumn(o, 3, point, half, h03, h13, h23);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelRow(float* g, int first, long tap, Vector512<float> mask, Vector512<float> half,
        out Vector512<float> h0, out Vector512<float> h1, out Vector512<float> h2, out Vector512<float> h3)
    {
        var g0 = Avx512F.MaskLoad(g + first * tap, mask, Vector512<float>.Zero);
        var g1 = Avx512F.MaskLoad(g + (first + 1) * tap, mask, Vector512<float>.Zero);
        var g2 = Avx512F.MaskLoad(g + (first + 2) * tap, mask, Vector512<float>.Zero);
        h0 = g0;
        h1 = (g0 + g1 + g2) * half;
        h2 = (g0 - g1 + g2) * half;
        h3 = g2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelColumn(float* o, int column, long point, Vector512<float> half,
        Vector512<float> h0, Vector512<float> h1, Vector512<float> h2)
    {
        Vector512.Store(h0, o + column * point);
        Vector512.Store((h0 + h1 + h2) * half, o + (4 + column) * point);
        Vector512.Store((h0 - h1 + h2) * half, o + (8 + column) * point);
        Vector512.Store(h2, o + (12 + column) * point);
    }

    /// <summary>Equal k blocks of at most <see cref="KcMax"/>: no short last block.</summary>
    private static int KStep(int k)
    {
        int blocks = (k + KcMax - 1) / KcMax;
        return Math.Max(1, (k + blocks - 1) / blocks);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Kernel and bias gradients of a 3×3 stride-1 convolution by Winograd's F(2×2, 3×3), the adjoint of
/// <see cref="WinogradConvolution"/>'s forward: a tile's output Y = Aᵀ·(U ⊙ V)·A is linear in the transformed kernel U,
/// so dU = V ⊙ (A·dY·Aᵀ) per tile, and summed over the tiles each of the 16 points is one GEMM, (C × tiles) by
/// (tiles × F), against 36·C·F multiply-adds per tile for the direct gradient; the kernel gradient is then
/// dg = Gᵀ·dU·G. For each block of tiles (sized for L2): the input transform V = Bᵀ·d·B (as the forward's), the output
/// gradient's transform A·dY·Aᵀ (through the ReLU's derivative), and the 16 products added into a transformed partial
/// with the micro-kernel reading both blocks in place. The transforms are sums and differences (the final ·½ is exact).
/// AVX-512 only; callers check <see cref="Applies"/>.
/// </summary>
internal static unsafe class WinogradKernelGradient
{
    private const int Points = 16;
    private const int BlockFloats = 96 * 1024;  // V and M of one block of tiles: 384 KB, in L2
    private const int MaxBlockTiles = 256;

    /// <summary>
    /// Whether kernel gradients may take this path; false keeps them on the GEMM, for A/B comparisons. Starts false
    /// when the environment variable <c>DEEPSHARP_KERNEL_GRADIENT</c> is <c>direct</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_KERNEL_GRADIENT"), "direct", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the kernel gradient of <paramref name="g"/> takes this path (the shapes of the Winograd forward).</summary>
    internal static bool Applies(in ConvolutionGeometry g) => Enabled && Simd.Level == SimdLevel.Vector512 && WinogradConvolution.Applies(g);

    /// <summary>Filters rounded up to whole micro-kernel panels.</summary>
    private static int PaddedFilters(int filters) => (filters + GemmKernel512.Columns - 1) / GemmKernel512.Columns * GemmKernel512.Columns;

    /// <summary>Floats of a transformed partial: 16 points × C × padded F, then the padded bias sums.</summary>
    internal static long TransformedSize(in ConvolutionGeometry g) => Points * PointStride(g) + PaddedFilters(g.Filters);

    /// <summary>Floats from one point's C × padded F sums to the next's in a transformed partial (spread).</summary>
    private static long PointStride(in ConvolutionGeometry g) => Spread((long)g.Channels * PaddedFilters(g.Filters));

    /// <summary>
    /// Adds the transformed kernel gradient (and the bias gradient) of all images of <paramref name="g"/> to
    /// <paramref name="transformed"/> (<see cref="TransformedSize"/> floats), on the calling thread. <paramref name="dy"/>
    /// is the output gradient, masked where <paramref name="output"/> (the activated output) is not positive when
    /// <paramref name="relu"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Accumulate(in ConvolutionGeometry g, float* x, float* dy, float* output, bool relu, float* transformed)
    {
        int channels = g.Channels, paddedFilters = PaddedFilters(g.Filters);
        int tilesHigh = (g.OutputHeight + 1) / 2, tilesWide = (g.OutputWidth + 1) / 2, perImage = tilesHigh * tilesWide;
        int tiles = g.Batch * perImage;
        int blockTiles = Math.Clamp(BlockFloats / (Points * (channels + paddedFilters)), 4, MaxBlockTiles);
        long vStride = Spread((long)blockTiles * channels), mStride = Spread((long)blockTiles * paddedFilters);
        var buffers = ConvolutionBuffers.Current;
        float* v = buffers.Get(ConvolutionBuffers.Patches, Points * vStride);
        float* m = buffers.Get(ConvolutionBuffers.OutputGradient, Points * mStride);
        long point = PointStride(g);
        float* bias = transformed + Points * point;
        for (int t0 = 0; t0 < tiles; t0 += blockTiles)
        {
            int count = Math.Min(blockTiles, tiles - t0);
            for (int t = 0; t < count; t++)
            {
                int n = (t0 + t) / perImage, r = t0 + t - n * perImage, ty = r / tilesWide;
                int top = 2 * ty, left = 2 * (r - ty * tilesWide);
                InputTile(g, x + (long)n * g.ImageSize, top - g.PadTop, left - g.PadLeft, v + (long)t * channels, vStride);
                GradientTile(g, n, top, left, dy, relu ? output : null, paddedFilters, m + (long)t * paddedFilters, mStride, bias);
            }
            for (int e = 0; e < Points; e++)
            {
                float* a = v + e * vStride, b = m + e * mStride, c = transformed + e * point;
                for (int c0 = 0; c0 < channels; c0 += GemmKernel512.Rows)
                    for (int f0 = 0; f0 < paddedFilters; f0 += GemmKernel512.Columns)
                        GemmKernel512.Run(count, a + c0, channels, b + f0, paddedFilters, c + (long)c0 * paddedFilters + f0, paddedFilters,
                            Math.Min(GemmKernel512.Rows, channels - c0), GemmKernel512.Columns, add: true);
            }
        }
    }

    /// <summary>
    /// The distance between two points' rows of a block: <paramref name="floats"/>, one cache line more when that is a
    /// multiple of 2 KB. The transforms write a tile's 16 points to 16 rows at once; rows a multiple of 4 KB apart
    /// all fall in the same set of the L1 cache, which holds only 8–12 of them (64 tiles of 32 channels are 8 KB).
    /// </summary>
    internal static long Spread(long floats) => floats % 512 == 0 ? floats + 16 : floats;

    /// <summary>
    /// The kernel gradient (HWIO) dg = Gᵀ·dU·G of each (channel, filter) from a transformed partial, and the bias
    /// gradient; either target may be null; those given are overwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Finish(in ConvolutionGeometry g, float* transformed, float* kernelGradient, float* biasGradient)
    {
        int channels = g.Channels, filters = g.Filters, paddedFilters = PaddedFilters(filters);
        long point = PointStride(g), tap = (long)channels * filters;
        if (biasGradient != null) Im2Col.Copy(transformed + Points * point, biasGradient, filters);
        if (kernelGradient == null) return;
        var half = Vector512.Create(0.5f);
        for (int c = 0; c < channels; c++)
            for (int f0 = 0; f0 < filters; f0 += 16)
            {
                var mask = Im2Col.TailMask(filters - f0);
                float* p = transformed + (long)c * paddedFilters + f0;
                // Gᵀ times the columns of dU: rows (X0 + ½(X1 + X2), ½(X1 − X2), ½(X1 + X2) + X3), X the rows of points.
                Column(p, 0, point, half, out var t00, out var t10, out var t20);
                Column(p, 1, point, half, out var t01, out var t11, out var t21);
                Column(p, 2, point, half, out var t02, out var t12, out var t22);
                Column(p, 3, point, half, out var t03, out var t13, out var t23);
                float* o = kernelGradient + (long)c * filters + f0;
                // Then each row times G: (t0 + ½(t1 + t2), ½(t1 − t2), ½(t1 + t2) + t3).
                Row(o, 0, tap, mask, half, t00, t01, t02, t03);
                Row(o, 3, tap, mask, half, t10, t11, t12, t13);
                Row(o, 6, tap, mask, half, t20, t21, t22, t23);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* p, int column, long point, Vector512<float> half,
        out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2)
    {
        var x0 = Vector512.Load(p + column * point);
        var x1 = Vector512.Load(p + (4 + column) * point);
        var x2 = Vector512.Load(p + (8 + column) * point);
        var x3 = Vector512.Load(p + (12 + column) * point);
        var sum = (x1 + x2) * half;
        t0 = x0 + sum;
        t1 = (x1 - x2) * half;
        t2 = sum + x3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* o, int first, long tap, Vector512<float> mask, Vector512<float> half,
        Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3)
    {
        var sum = (t1 + t2) * half;
        Avx512F.MaskStore(o + first * tap, mask, t0 + sum);
        Avx512F.MaskStore(o + (first + 1) * tap, mask, (t1 - t2) * half);
        Avx512F.MaskStore(o + (first + 2) * tap, mask, sum + t3);
    }

    /// <summary>V = Bᵀ·d·B of the 4×4 input block at (<paramref name="top"/>, <paramref name="left"/>) of one image, zero outside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTile(in ConvolutionGeometry g, float* image, int top, int left, float* v, long stride)
    {
        int channels = g.Channels;
        for (int c0 = 0; c0 < channels; c0 += 16)
        {
            var mask = Im2Col.TailMask(channels - c0);
            // Each row times B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3); then the rows combined the same way.
            InputRow(g, image, top, left, c0, mask, out var a0, out var a1, out var a2, out var a3);
            InputRow(g, image, top + 1, left, c0, mask, out var b0, out var b1, out var b2, out var b3);
            InputRow(g, image, top + 2, left, c0, mask, out var d0, out var d1, out var d2, out var d3);
            InputRow(g, image, top + 3, left, c0, mask, out var e0, out var e1, out var e2, out var e3);
            float* o = v + c0;
            Avx512F.MaskStore(o, mask, a0 - d0); Avx512F.MaskStore(o + stride, mask, a1 - d1);
            Avx512F.MaskStore(o + 2 * stride, mask, a2 - d2); Avx512F.MaskStore(o + 3 * stride, mask, a3 - d3);
            Avx512F.MaskStore(o + 4 * stride, mask, b0 + d0); Avx512F.MaskStore(o + 5 * stride, mask, b1 + d1);
            Avx512F.MaskStore(o + 6 * stride, mask, b2 + d2); Avx512F.MaskStore(o + 7 * stride, mask, b3 + d3);
            Avx512F.MaskStore(o + 8 * stride, mask, d0 - b0); Avx512F.MaskStore(o + 9 * stride, mask, d1 - b1);
            Avx512F.MaskStore(o + 10 * stride, mask, d2 - b2); Avx512F.MaskStore(o + 11 * stride, mask, d3 - b3);
            Avx512F.MaskStore(o + 12 * stride, mask, b0 - e0); Avx512F.MaskStore(o + 13 * stride, mask, b1 - e1);
            Avx512F.MaskStore(o + 14 * stride, mask, b2 - e2); Avx512F.MaskStore(o + 15 * stride, mask, b3 - e3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRow(in ConvolutionGeometry g, float* image, int row, int left, int c0, Vector512<float> mask,
        out Vector512<float> w0, out Vector512<float> w1, out Vector512<float> w2, out Vector512<float> w3)
    {
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default;
        if ((uint)row < (uint)g.Height)
        {
            int channels = g.Channels;
            float* p = image + ((long)row * g.Width + left) * channels + c0;
            if ((uint)left < (uint)g.Width) d0 = Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);
            if ((uint)(left + 1) < (uint)g.Width) d1 = Avx512F.MaskLoad(p + channels, mask, Vector512<float>.Zero);
            if ((uint)(left + 2) < (uint)g.Width) d2 = Avx512F.MaskLoad(p + 2 * channels, mask, Vector512<float>.Zero);
            if ((uint)(left + 3) < (uint)g.Width) d3 = Avx512F.MaskLoad(p + 3 * channels, mask, Vector512<float>.Zero);
        }
        w0 = d0 - d2;
        w1 = d1 + d2;
        w2 = d2 - d1;
        w3 = d1 - d3;
    }

    /// <summary>
    /// A·dY·Aᵀ of the tile's 2×2 output gradient (through the ReLU's derivative; zero past the output's edge), all
    /// padded filters written, and the tile's gradients added to the bias sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTile(in ConvolutionGeometry g, int n, int top, int left, float* dy, float* output, int paddedFilters,
        float* m, long stride, float* bias)
    {
        int filters = g.Filters, width = g.OutputWidth;
        bool second = left + 1 < width, below = top + 1 < g.OutputHeight;
        long at = (((long)n * g.OutputHeight + top) * width + left) * filters, down = (long)width * filters;
        for (int f0 = 0; f0 < paddedFilters; f0 += 16)
        {
            var mask = Im2Col.TailMask(filters - f0);
            var a = Gradient(dy, output, at + f0, mask);
            var b = second ? Gradient(dy, output, at + filters + f0, mask) : Vector512<float>.Zero;
            var c = below ? Gradient(dy, output, at + down + f0, mask) : Vector512<float>.Zero;
            var d = second && below ? Gradient(dy, output, at + down + filters + f0, mask) : Vector512<float>.Zero;
            Vector512.Store(Vector512.Load(bias + f0) + ((a + b) + (c + d)), bias + f0);
            // A·dY: rows (a, b), (a + c, b + d), (a − c, b − d), (−c, −d); each row (p, q) times Aᵀ: (p, p + q, p − q, −q).
            float* o = m + f0;
            GradientRow(o, 0, stride, a, b);
            GradientRow(o, 4, stride, a + c, b + d);
            GradientRow(o, 8, stride, a - c, b - d);
            GradientRow(o, 12, stride, -c, -d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gradient(float* dy, float* output, long at, Vector512<float> mask)
    {
        var value = Avx512F.MaskLoad(dy + at, mask, Vector512<float>.Zero);
        return output == null ? value : value & Vector512.GreaterThan(Avx512F.MaskLoad(output + at, mask, Vector512<float>.Zero), Vector512<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRow(float* o, int first, long stride, Vector512<float> p, Vector512<float> q)
    {
        Vector512.Store(p, o + first * stride);
        Vector512.Store(p + q, o + (first + 1) * stride);
        Vector512.Store(p - q, o + (first + 2) * stride);
        Vector512.Store(-q, o + (first + 3) * stride);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Moves between NHWC images and rows of the convolution's patch matrix (see <see cref="ConvolutionGeometry"/>),
/// a few rows at a time: callers gather one tile into a cache-sized buffer and never build the whole-batch
/// matrix. A row's Kh·Kw·C values are Kh runs of Kw·C floats when the kernel is not dilated along the width
/// (neighbouring taps are neighbouring pixels, whose channels are contiguous), so the copies are long.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>
    /// Writes rows [<paramref name="row0"/>, +<paramref name="count"/>) of the batch's patch matrix to
    /// <paramref name="destination"/>, rows <paramref name="ld"/> floats apart; taps outside the image are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gather(in ConvolutionGeometry g, float* images, int row0, int count, float* destination, int ld)
    {
        int pixels = g.OutputPixels;
        int n = row0 / pixels, p = row0 - n * pixels;
        int oh = p / g.OutputWidth, ow = p - oh * g.OutputWidth;
        int c = g.Channels, run = g.KernelWidth * c, rowLength = g.Width * c;
        for (int r = 0; r < count; r++)
        {
            float* image = images + (long)n * g.ImageSize;
            float* d = destination + (long)r * ld;
            int ih0 = oh * g.StrideHeight - g.PadTop, iw0 = ow * g.StrideWidth - g.PadLeft;
            bool wholeRun = g.DilationWidth == 1 && iw0 >= 0 && iw0 + g.KernelWidth <= g.Width;
            for (int kh = 0; kh < g.KernelHeight; kh++, d += run)
            {
                int ih = ih0 + kh * g.DilationHeight;
                if ((uint)ih >= (uint)g.Height)
                {
                    Clear(d, run);
                    continue;
                }
                float* source = image + (long)ih * rowLength;
                if (wholeRun)
                {
                    Copy(source + iw0 * c, d, run);
                    continue;
                }
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int iw = iw0 + kw * g.DilationWidth;
                    if ((uint)iw < (uint)g.Width) Copy(source + iw * c, d + kw * c, c);
                    else Clear(d + kw * c, c);
                }
            }
            if (++ow == g.OutputWidth)
            {
                ow = 0;
                if (++oh == g.OutputHeight)
                {
                    oh = 0;
                    n++;
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Gather"/> for the rows of one image: adds each value of rows
    /// [<paramref name="row0"/>, +<paramref name="count"/>) (row indices within image <paramref name="image"/>'s
    /// output pixels) to the pixel and channel it was gathered from; taps outside the image are dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ScatterAdd(in ConvolutionGeometry g, float* source, int ld, int row0, int count, float* image)
    {
        int oh = row0 / g.OutputWidth, ow = row0 - oh * g.OutputWidth;
        int c = g.Channels, run = g.KernelWidth * c, rowLength = g.Width * c;
        for (int r = 0; r < count; r++)
        {
            float* s = source + (long)r * ld;
            int ih0 = oh * g.StrideHeight - g.PadTop, iw0 = ow * g.StrideWidth - g.PadLeft;
            bool wholeRun = g.DilationWidth == 1 && iw0 >= 0 && iw0 + g.KernelWidth <= g.Width;
            for (int kh = 0; kh < g.KernelHeight; kh++, s += run)
            {
                int ih = ih0 + kh * g.DilationHeight;
                if ((uint)ih >= (uint)g.Height) continue;
                float* target = image + (long)ih * rowLength;
                if (wholeRun)
                {
                    AddTo(s, target + iw0 * c, run);
                    continue;
                }
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int iw = iw0 + kw * g.DilationWidth;
                    if ((uint)iw < (uint)g.Width) AddTo(s + kw * c, target + iw * c, c);
                }
            }
            if (++ow == g.OutputWidth)
            {
                ow = 0;
                oh++;
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> floats; short runs (one channel, three taps) in one masked move.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(float* source, float* destination, int count)
    {
        if (Simd.Level == SimdLevel.Vector512)
        {
            int i = 0;
            for (; i <= count - 16; i += 16) Vector512.Store(Vector512.Load(source + i), destination + i);
            if (i < count)
            {
                var mask = TailMask(count - i);
                Avx512F.MaskStore(destination + i, mask, Avx512F.MaskLoad(source + i, mask, Vector512<float>.Zero));
            }
            return;
        }
        Buffer.MemoryCopy(source, destination, (long)count * sizeof(float), (long)count * sizeof(float));
    }

    /// <summary>destination[i] += source[i] for i &lt; <paramref name="count"/>; with AVX-512 the tail in one masked add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddTo(float* source, float* destination, int count)
    {
        int i = 0;
        switch (Simd.Level)
        {
            case SimdLevel.Vector512:
                for (; i <= count - 16; i += 16) Vector512.Store(Vector512.Load(destination + i) + Vector512.Load(source + i), destination + i);
                if (i < count)
                {
                    var mask = TailMask(count - i);
                    var sum = Avx512F.MaskLoad(destination + i, mask, Vector512<float>.Zero) + Avx512F.MaskLoad(source + i, mask, Vector512<float>.Zero);
                    Avx512F.MaskStore(destination + i, mask, sum);
                }
                return;
            case SimdLevel.Vector256: i = AddGroups<Lanes256>(source, destination, count); break;
            case SimdLevel.Vector128: i = AddGroups<Lanes128>(source, destination, count); break;
        }
        for (; i < count; i++) destination[i] += source[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AddGroups<T>(float* source, float* destination, int count) where T : struct, ILanes<T>
    {
        int i = 0;
        for (; i <= count - T.Count; i += T.Count) T.Store(destination + i, T.Load(destination + i) + T.Load(source + i));
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Clear(float* destination, int count) => new Span<float>(destination, count).Clear();

    /// <summary>The lanes below <paramref name="count"/> set: all of them from 16 on, none for 0 or less.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> TailMask(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Resamples a channels-last image through an affine map in one pass: every output pixel reads the input at the
/// point the map gives, bilinearly (Keras' interpolation order 1) or from the nearest pixel (order 0), and points
/// outside the image are filled by a <see cref="FillMode"/>. The output is multiplied by a scale on the way out, so
/// a rescale costs no extra pass.
/// </summary>
/// <remarks>
/// Inside the image (all four neighbours of the sample point present, which is most pixels of an augmented
/// image) a pixel is three lerps of four loads; only pixels near or past the border take the slower path that
/// maps indices through the fill mode. Gray bilinear images, the common case, go sixteen pixels at a time by
/// permutes of source rows held in registers where they are at most 32 pixels wide (<see cref="AffineRows512"/>),
/// eight at a time with AVX2 gathers otherwise; every path does the same float operations in the same order, so the
/// result does not depend on the path taken. The kernels are compiled fully optimized from their first call: a flow's background thread
/// runs them from its first batch, and tiered compilation left them at tier 0 (three times slower) for tens of
/// thousands of images.
/// </remarks>
internal static unsafe class AffineResampler
{
    // A sample point this close to the border still counts as inside for constant fill: rotations by right
    // angles land exactly on the border, and float rounding must not turn those pixels into fill.
    internal const float BorderTolerance = 1e-3f;
    private const int Lanes = 8;

    /// <summary>
    /// Writes the <paramref name="height"/> × <paramref name="width"/> × <paramref name="channels"/> image at
    /// <paramref name="destination"/>: pixel (r, c) is <paramref name="scale"/> times the input at
    /// <paramref name="map"/>(r, c). Source and destination must not overlap.
    /// </summary>
    internal static void Resample(float* source, float* destination, int height, int width, int channels,
        in AffineMap map, FillMode mode, float fillValue, bool bilinear, float scale, bool allowVector = true)
    {
        if (map.IsIdentity)
        {
            Copy(source, destination, height * width * channels, scale);
            return;
        }
        if (!bilinear) Nearest(source, destination, height, width, channels, map, mode, fillValue, scale);
        else if (channels > 1) Bilinear(source, destination, height, width, channels, map, mode, fillValue, scale);
        else if (allowVector && AffineRows512.Applies(height, width, mode, map))
            AffineRows512.BilinearGray(source, destination, height, width, map, mode, fillValue, scale);
        else if (allowVector && Avx2.IsSupported && Simd.Level >= SimdLevel.Vector256 && width >= Lanes)
            BilinearGrayVector(source, destination, height, width, map, mode, fillValue, scale);
        else BilinearGray(source, destination, height, width, map, mode, fillValue, scale);
    }

    private static void Copy(float* source, float* destination, int length, float scale)
    {
        var from = new ReadOnlySpan<float>(source, length);
        var to = new Span<float>(destination, length);
        if (scale == 1f) from.CopyTo(to);
        else System.Numerics.Tensors.TensorPrimitives.Multiply(from, scale, to);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void BilinearGray(float* source, float* destination, int height, int width,
        in AffineMap map, FillMode mode, float fillValue, float scale)
    {
        float rowFromRow = map.RowFromRow, rowFromColumn = map.RowFromColumn, rowOffset = map.RowOffset;
        float columnFromRow = map.ColumnFromRow, columnFromColumn = map.ColumnFromColumn, columnOffset = map.ColumnOffset;
        uint lastRow = (uint)height - 1, lastColumn = (uint)width - 1;
        for (int r = 0; r < height; r++)
        {
            float rowStartY = rowFromRow * r + rowOffset;
            float rowStartX = columnFromRow * r + columnOffset;
            float* output = destination + (long)r * width;
            for (int c = 0; c < width; c++)
            {
                // From the row start each time (not by accumulation), so no rounding error builds up along a row.
                float y = rowStartY + rowFromColumn * c;
                float x = rowStartX + columnFromColumn * c;
                int y0 = Floor(y), x0 = Floor(x);
                float wy = y - y0, wx = x - x0;
                float value;
                if ((uint)y0 < lastRow && (uint)x0 < lastColumn)
                {
                    float* p = source + y0 * width + x0;
                    float top = p[0] + wx * (p[1] - p[0]);
                    float bottom = p[width] + wx * (p[width + 1] - p[width]);
                    value = top + wy * (bottom - top);
                }
                else
                {
                    value = BorderSample(source, height, width, 1, 0, y, x, mode, fillValue);
                }
                output[c] = value * scale;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Bilinear(float* source, float* destination, int height, int width, int channels,
        in AffineMap map, FillMode mode, float fillValue, float scale)
    {
        uint lastRow = (uint)height - 1, lastColumn = (uint)width - 1;
        int rowStride = width * channels;
        for (int r = 0; r < height; r++)
        {
            float rowStartY = map.RowFromRow * r + map.RowOffset;
            float rowStartX = map.ColumnFromRow * r + map.ColumnOffset;
            float* output = destination + (long)r * rowStride;
            for (int c = 0; c < width; c++, output += channels)
            {
                float y = rowStartY + map.RowFromColumn * c;
                float x = rowStartX + map.ColumnFromColumn * c;
                int y0 = Floor(y), x0 = Floor(x);
                if ((uint)y0 < lastRow && (uint)x0 < lastColumn)
                {
                    float wy = y - y0, wx = x - x0;
                    float* p = source + y0 * rowStride + x0 * channels;
                    for (int k = 0; k < channels; k++)
                    {
                        float top = p[k] + wx * (p[k + channels] - p[k]);
                        float bottom = p[k + rowStride] + wx * (p[k + rowStride + channels] - p[k + rowStride]);
                        output[k] = (top + wy * (bottom - top)) * scale;
                    }
                }
                else
                {
                    for (int k = 0; k < channels; k++)
                        output[k] = BorderSample(source, height, width, channels, k, y, x, mode, fillValue) * scale;
                }
            }
        }
    }

    /// <summary>The bilinear sample of channel <paramref name="channel"/> at (y, x), with indices past the border mapped by the fill mode.</summary>
    private static float BorderSample(float* source, int height, int width, int channels, int channel,
        float y, float x, FillMode mode, float fillValue)
    {
        if (!BorderNeighbours(y, x, height, width, mode, out int r0, out int r1, out int c0, out int c1, out float wy, out float wx))
            return fillValue;
        float v00 = source[((long)r0 * width + c0) * channels + channel];
        float v01 = source[((long)r0 * width + c1) * channels + channel];
        float v10 = source[((long)r1 * width + c0) * channels + channel];
        float v11 = source[((long)r1 * width + c1) * channels + channel];
        float top = v00 + wx * (v01 - v00);
        float bottom = v10 + wx * (v11 - v10);
        return top + wy * (bottom - top);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Nearest(float* source, float* destination, int height, int width, int channels,
        in AffineMap map, FillMode mode, float fillValue, float scale)
    {
        int rowStride = width * channels;
        for (int r = 0; r < height; r++)
        {
            float rowStartY = map.RowFromRow * r + map.RowOffset;
            float rowStartX = map.ColumnFromRow * r + map.ColumnOffset;
            float* output = destination + (long)r * rowStride;
            for (int c = 0; c < width; c++, output += channels)
            {
                if (!NearestPixel(rowStartY, rowStartX, map, c, height, width, mode, out int y, out int x))
                {
                    for (int k = 0; k < channels; k++) output[k] = fillValue * scale;
                    continue;
                }
                float* p = source + (long)y * rowStride + (long)x * channels;
                for (int k = 0; k < channels; k++) output[k] = p[k] * scale;
            }
        }
    }

    /// <summary>
    /// The largest integer not above <paramref name="value"/> (saturating far outside the int range, which is
    /// far outside any image). Through an integer conversion rather than MathF.Floor: the scalar round
    /// instruction merges into its destination register and chains every pixel to the one before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Floor(float value)
    {
        int truncated = (int)value;
        return truncated > value ? truncated - 1 : truncated;
    }

    /// <summary>
    /// The gray bilinear kernel eight pixels at a time: coordinates and weights in vectors, the four neighbours
    /// by AVX2 gathers. Nearest and constant fill are done in the vectors by clamping (the same arithmetic as the
    /// scalar path, so both give the same floats); for reflect and wrap a group of pixels that reaches past the
    /// border goes through the scalar path.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void BilinearGrayVector(float* source, float* destination, int height, int width,
        in AffineMap map, FillMode mode, float fillValue, float scale)
    {
        var lanes = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        var rowFromColumn = Vector256.Create(map.RowFromColumn);
        var columnFromColumn = Vector256.Create(map.ColumnFromColumn);
        var scaleVector = Vector256.Create(scale);
        var fill = Vector256.Create(fillValue);
        var lastRowF = Vector256.Create((float)(height - 1));
        var lastColumnF = Vector256.Create((float)(width - 1));
        var lastRow = Vector256.Create(height - 1);
        var lastColumn = Vector256.Create(width - 1);
        var widthVector = Vector256.Create(width);
        var one = Vector256<int>.One;
        var tolerance = Vector256.Create(BorderTolerance);
        bool clampMode = mode is FillMode.Nearest or FillMode.Constant;
        bool constant = mode == FillMode.Constant;
        for (int r = 0; r < height; r++)
        {
            float rowStartY = map.RowFromRow * r + map.RowOffset;
            float rowStartX = map.ColumnFromRow * r + map.ColumnOffset;
            var startY = Vector256.Create(rowStartY);
            var startX = Vector256.Create(rowStartX);
            float* output = destination + (long)r * width;
            // The last group ends at the row's end and may overlap the one before: its pixels come out the same floats
            // again, and no pixel takes the slower scalar loop (28-pixel rows: a seventh of the pixels).
            for (int group = 0, groups = (width + Lanes - 1) / Lanes; group < groups; group++)
            {
                int c = Math.Min(group * Lanes, width - Lanes);
                var column = Vector256.Create((float)c) + lanes;
                var y = startY + rowFromColumn * column;
                var x = startX + columnFromColumn * column;
                Vector256<float> inside = default;
                if (constant)
                {
                    inside = Vector256.GreaterThanOrEqual(y, -tolerance) & Vector256.LessThanOrEqual(y, lastRowF + tolerance)
                           & Vector256.GreaterThanOrEqual(x, -tolerance) & Vector256.LessThanOrEqual(x, lastColumnF + tolerance);
                    y = Vector256.Min(Vector256.Max(y, Vector256<float>.Zero), lastRowF);
                    x = Vector256.Min(Vector256.Max(x, Vector256<float>.Zero), lastColumnF);
                }
                var floorY = Vector256.Floor(y);
                var floorX = Vector256.Floor(x);
                var wy = y - floorY;
                var wx = x - floorX;
                var y0 = Vector256.ConvertToInt32(floorY);
                var x0 = Vector256.ConvertToInt32(floorX);
                Vector256<int> y1, x1;
                if (clampMode)
                {
                    y1 = Vector256.Min(Vector256.Max(y0 + one, Vector256<int>.Zero), lastRow);
                    x1 = Vector256.Min(Vector256.Max(x0 + one, Vector256<int>.Zero), lastColumn);
                    y0 = Vector256.Min(Vector256.Max(y0, Vector256<int>.Zero), lastRow);
                    x0 = Vector256.Min(Vector256.Max(x0, Vector256<int>.Zero), lastColumn);
                }
                else
                {
                    var wholly = Vector256.LessThan(y0.AsUInt32(), lastRow.AsUInt32()) & Vector256.LessThan(x0.AsUInt32(), lastColumn.AsUInt32());
                    if (!Vector256.EqualsAll(wholly, Vector256<uint>.AllBitsSet))
                    {
                        for (int k = 0; k < Lanes; k++)
                        {
                            float ys = rowStartY + map.RowFromColumn * (c + k);
                            float xs = rowStartX + map.ColumnFromColumn * (c + k);
                            output[c + k] = BorderSample(source, height, width, 1, 0, ys, xs, mode, fillValue) * scale;
                        }
                        continue;
                    }
                    y1 = y0 + one;
                    x1 = x0 + one;
                }
                var row0 = y0 * widthVector;
                var row1 = y1 * widthVector;
                var v00 = Avx2.GatherVector256(source, row0 + x0, 4);
                var v01 = Avx2.GatherVector256(source, row0 + x1, 4);
                var v10 = Avx2.GatherVector256(source, row1 + x0, 4);
                var v11 = Avx2.GatherVector256(source, row1 + x1, 4);
                var top = v00 + wx * (v01 - v00);
                var bottom = v10 + wx * (v11 - v10);
                var value = top + wy * (bottom - top);
                if (constant) value = Vector256.ConditionalSelect(inside, value, fill);
                (value * scaleVector).Store(output + c);
            }
        }
    }

    /// <summary>
    /// The rows r0, r1 and columns c0, c1 that the bilinear sample at (y, x) near or past the border reads, mapped by
    /// the fill mode, and its weights wy, wx (value = top + wy·(bottom − top), top = p00 + wx·(p01 − p00)); false when
    /// constant fill replaces the point. The forward kernel and its adjoint both take it, so both see the same points.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool BorderNeighbours(float y, float x, int height, int width, FillMode mode,
        out int r0, out int r1, out int c0, out int c1, out float wy, out float wx)
    {
        if (mode == FillMode.Constant)
        {
            if (!(y >= -BorderTolerance && y <= height - 1 + BorderTolerance && x >= -BorderTolerance && x <= width - 1 + BorderTolerance))
            {
                r0 = r1 = c0 = c1 = 0;
                wy = wx = 0;
                return false;
            }
            y = Math.Clamp(y, 0, height - 1);
            x = Math.Clamp(x, 0, width - 1);
        }
        int y0 = Floor(y), x0 = Floor(x);
        wy = y - y0;
        wx = x - x0;
        r0 = MapIndex(y0, height, mode);
        r1 = MapIndex(y0 + 1, height, mode);
        c0 = MapIndex(x0, width, mode);
        c1 = MapIndex(x0 + 1, width, mode);
        return true;
    }

    /// <summary>
    /// The pixel (y, x) the nearest sample at output (r, c) reads (round half up: pixel centres are at whole coordinates),
    /// mapped by the fill mode; false when constant fill replaces it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool NearestPixel(float rowStartY, float rowStartX, in AffineMap map, int c, int height, int width, FillMode mode,
        out int y, out int x)
    {
        y = Floor(rowStartY + map.RowFromColumn * c + 0.5f);
        x = Floor(rowStartX + map.ColumnFromColumn * c + 0.5f);
        if ((uint)y >= (uint)height || (uint)x >= (uint)width)
        {
            if (mode == FillMode.Constant) return false;
            y = MapIndex(y, height, mode);
            x = MapIndex(x, width, mode);
        }
        return true;
    }

    /// <summary>An index of a row or column, possibly outside [0, n), brought inside as the fill mode extends the image.</summary>
    internal static int MapIndex(int index, int n, FillMode mode)
    {
        if ((uint)index < (uint)n) return index;
        switch (mode)
        {
            case FillMode.Reflect:
            {
                // Period 2n: a b c d | d c b a.
                long period = 2L * n;
                int k = (int)(((index % period) + period) % period);
                return k < n ? k : (int)(period - 1 - k);
            }
            case FillMode.Wrap:
                return (int)(((index % (long)n) + n) % n);
            default: // Nearest, and Constant once the point is known to be inside
                return index < 0 ? 0 : n - 1;
        }
    }
}

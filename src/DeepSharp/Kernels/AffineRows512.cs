using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// The gray bilinear path of <see cref="AffineResampler"/> for images at most 32 pixels wide, with AVX-512 and no
/// gathers: a source row sits in two registers, and one two-register permute gives, for 16 output pixels at once, that
/// row's values at their columns. A group of 16 output pixels samples a few neighbouring source rows (the map's slope
/// along a row: under a quarter of a row per pixel for the seed CNN's rotations up to 10°); the group visits each of
/// them and keeps, lane by lane, the values of its own two rows. The arithmetic is the gather path's, step for step,
/// so the floats are the same; nearest and constant fill only, both by clamping as there.
/// </summary>
/// <remarks>
/// Gathers fetch one float per lane through the load ports (and on Intel parts with the Downfall microcode they are
/// several times slower still); a permute is one instruction on registers already loaded.
/// </remarks>
internal static unsafe class AffineRows512
{
    /// <summary>The widest image this path takes: a row fills at most two 16-float registers.</summary>
    internal const int MaxWidth = 32;

    // Sample points this far out still have exact integer floors, monotone along a row (see Tame).
    private const float Reach = 1 << 20;

    /// <summary>
    /// Whether the permute path may run; false sends every image through the gather path, for A/B comparisons (the same
    /// floats either way). Starts false when the environment variable <c>DEEPSHARP_RESAMPLER</c> is <c>gather</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RESAMPLER"), "gather", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this path takes a gray bilinear image of this size, fill mode and map on this machine.</summary>
    internal static bool Applies(int height, int width, FillMode mode, in AffineMap map) =>
        Enabled && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported && width <= MaxWidth
        && mode is FillMode.Nearest or FillMode.Constant && Tame(map, height, width);

    /// <summary>
    /// Whether every sample point lies within <see cref="Reach"/> of the image (the corners bound an affine map). Then a
    /// lane's floor converts to the exact integer, and the floors grow (or shrink) steadily along a group's lanes, so the
    /// rows a group reads lie between those of its first and its last lane. NaN fails the test.
    /// </summary>
    private static bool Tame(in AffineMap map, int height, int width)
    {
        float lastRow = height - 1, lastColumn = width - 1 + 15; // a short last group computes lanes past the row's end
        return Near(map.RowOffset, map.RowFromRow, map.RowFromColumn, lastRow, lastColumn)
            && Near(map.ColumnOffset, map.ColumnFromRow, map.ColumnFromColumn, lastRow, lastColumn);

        static bool Near(float offset, float fromRow, float fromColumn, float lastRow, float lastColumn) =>
            Math.Abs(offset) < Reach && Math.Abs(offset + fromRow * lastRow) < Reach
            && Math.Abs(offset + fromColumn * lastColumn) < Reach && Math.Abs(offset + fromRow * lastRow + fromColumn * lastColumn) < Reach;
    }

    /// <summary>
    /// Writes the gray image at <paramref name="destination"/>: pixel (r, c) is <paramref name="scale"/> times the
    /// bilinear sample of <paramref name="source"/> at <paramref name="map"/>(r, c). Only where <see cref="Applies"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void BilinearGray(float* source, float* destination, int height, int width,
        in AffineMap map, FillMode mode, float fillValue, float scale)
    {
        var lanes = Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f);
        var rowFromColumn = Vector512.Create(map.RowFromColumn);
        var columnFromColumn = Vector512.Create(map.ColumnFromColumn);
        var scaleVector = Vector512.Create(scale);
        var fill = Vector512.Create(fillValue);
        var lastRowF = Vector512.Create((float)(height - 1));
        var lastColumnF = Vector512.Create((float)(width - 1));
        var lastRow = Vector512.Create(height - 1);
        var lastColumn = Vector512.Create(width - 1);
        var one = Vector512<int>.One;
        var zero = Vector512<float>.Zero;
        var tolerance = Vector512.Create(AffineResampler.BorderTolerance);
        bool constant = mode == FillMode.Constant;
        // A row's first 16 floats and the rest; the masked loads touch nothing past the row's end (nor the image's).
        var lowMask = GemmKernel512.ColumnMask(width);
        var highMask = GemmKernel512.ColumnMask(width - 16);
        for (int r = 0; r < height; r++)
        {
            var startY = Vector512.Create(map.RowFromRow * r + map.RowOffset);
            var startX = Vector512.Create(map.ColumnFromRow * r + map.ColumnOffset);
            float* output = destination + (long)r * width;
            // A row of 17 to 31 pixels ends with a group that overlaps the one before: its pixels come out the same again.
            for (int start = 0; start < width; start += 16)
            {
                int c = width >= 16 ? Math.Min(start, width - 16) : 0;
                var column = Vector512.Create((float)c) + lanes;
                var y = startY + rowFromColumn * column;
                var x = startX + columnFromColumn * column;
                var inside = zero;
                if (constant)
                {
                    inside = Vector512.GreaterThanOrEqual(y, -tolerance) & Vector512.LessThanOrEqual(y, lastRowF + tolerance)
                           & Vector512.GreaterThanOrEqual(x, -tolerance) & Vector512.LessThanOrEqual(x, lastColumnF + tolerance);
                    y = Vector512.Min(Vector512.Max(y, zero), lastRowF);
                    x = Vector512.Min(Vector512.Max(x, zero), lastColumnF);
                }
                var floorY = Vector512.Floor(y);
                var floorX = Vector512.Floor(x);
                var wy = y - floorY;
                var wx = x - floorX;
                var y0 = Vector512.ConvertToInt32(floorY);
                var x0 = Vector512.ConvertToInt32(floorX);
                var y1 = Vector512.Min(Vector512.Max(y0 + one, Vector512<int>.Zero), lastRow);
                var x1 = Vector512.Min(Vector512.Max(x0 + one, Vector512<int>.Zero), lastColumn);
                y0 = Vector512.Min(Vector512.Max(y0, Vector512<int>.Zero), lastRow);
                x0 = Vector512.Min(Vector512.Max(x0, Vector512<int>.Zero), lastColumn);

                int first = Math.Min(y0.ToScalar(), y0.GetElement(15));
                int last = Math.Max(y1.ToScalar(), y1.GetElement(15));
                Vector512<float> v00 = zero, v01 = zero, v10 = zero, v11 = zero;
                for (int row = first; row <= last; row++)
                {
                    float* p = source + (long)row * width;
                    var low = Avx512F.MaskLoad(p, lowMask, zero);
                    var high = Avx512F.MaskLoad(p + 16, highMask, zero);
                    var left = Avx512F.PermuteVar16x32x2(low, x0, high);
                    var right = Avx512F.PermuteVar16x32x2(low, x1, high);
                    var rowVector = Vector512.Create(row);
                    var upper = Vector512.Equals(y0, rowVector).AsSingle();
                    var lower = Vector512.Equals(y1, rowVector).AsSingle();
                    v00 = Vector512.ConditionalSelect(upper, left, v00);
                    v01 = Vector512.ConditionalSelect(upper, right, v01);
                    v10 = Vector512.ConditionalSelect(lower, left, v10);
                    v11 = Vector512.ConditionalSelect(lower, right, v11);
                }
                var top = v00 + wx * (v01 - v00);
                var bottom = v10 + wx * (v11 - v10);
                var value = top + wy * (bottom - top);
                if (constant) value = Vector512.ConditionalSelect(inside, value, fill);
                value *= scaleVector;
                if (width >= 16) value.Store(output + c);
                else Avx512F.MaskStore(output, lowMask, value);
            }
        }
    }
}

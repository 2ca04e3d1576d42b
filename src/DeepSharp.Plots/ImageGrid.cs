using SkiaSharp;

namespace DeepSharp.Plots;

/// <summary>
/// Writes a batch of images as one PNG grid, the way GAN and autoencoder examples show samples: tiles in rows of
/// <c>columns</c>, separated by a small gap, optionally enlarged by an integer factor and labelled per row.
/// Tiles are pixel-exact: each value becomes one gray or RGB sample (nearest-neighbour when enlarged), with no
/// smoothing, colour management or resampling; only row labels are drawn with a font.
/// </summary>
public static class ImageGrid
{
    private const int LabelPadding = 6;

    /// <summary>Writes <paramref name="images"/> as a grid to a PNG file, atomically.</summary>
    /// <param name="path">The PNG file to write; its directory is created if missing.</param>
    /// <param name="images">
    /// Images as [N, H, W] (gray) or [N, H, W, C] with C = 1 (gray) or 3 (RGB), channels last as everywhere in DeepSharp.
    /// Values must be finite; they are read through <see cref="Tensor.ToArray"/>.
    /// </param>
    /// <param name="columns">Tiles per row (at least 1); fewer when there are fewer images.</param>
    /// <param name="range">How values map to intensities: [0, 1] by default, [−1, 1] for tanh outputs, or min-max.</param>
    /// <param name="scale">Integer enlargement factor (nearest-neighbour); 1 keeps one pixel per value.</param>
    /// <param name="gap">Pixels between tiles and around the grid (0 for none).</param>
    /// <param name="rowLabels">Optional text drawn left of each row (one per row), e.g. the class of a conditional GAN.</param>
    /// <param name="background">Gray level in [0, 1] of the gaps and margins (1 white, 0 black).</param>
    public static void Save(string path, Tensor images, int columns = 8, ImageValueRange range = ImageValueRange.ZeroToOne,
        int scale = 1, int gap = 2, IReadOnlyList<string>? rowLabels = null, float background = 1f)
        => Render(images, columns, range, scale, gap, rowLabels, background).SavePng(path);

    /// <summary>The grid's pixels (gray for one channel, RGB for three); see <see cref="Save"/> for the arguments.</summary>
    internal static RasterImage Render(Tensor images, int columns = 8, ImageValueRange range = ImageValueRange.ZeroToOne,
        int scale = 1, int gap = 2, IReadOnlyList<string>? rowLabels = null, float background = 1f)
    {
        ArgumentNullException.ThrowIfNull(images);
        var (count, height, width, channels) = ImageShape(images);
        if (columns < 1)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "ImageGrid: columns must be at least 1.");
        if (scale < 1 || scale > 64)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "ImageGrid: scale must be an integer from 1 to 64.");
        if (gap < 0 || gap > 256)
            throw new ArgumentOutOfRangeException(nameof(gap), gap, "ImageGrid: gap must be from 0 to 256 pixels.");
        if (!(background >= 0f && background <= 1f))
            throw new ArgumentOutOfRangeException(nameof(background), background, "ImageGrid: background must be a gray level in [0, 1].");
        if (!Enum.IsDefined(range))
            throw new ArgumentOutOfRangeException(nameof(range), range, "ImageGrid: unknown value range.");

        int cols = Math.Min(columns, count);
        int rows = (count + cols - 1) / cols;
        if (rowLabels is not null && rowLabels.Count != rows)
            throw new ArgumentException(
                $"ImageGrid: {count} images in {cols} columns make {rows} rows, so rowLabels needs {rows} labels; got {rowLabels.Count}.",
                nameof(rowLabels));

        float[] values = images.ToArray();
        int imageSize = height * width * channels;
        CheckFinite(values, height, width, channels);

        long tileWidth = (long)width * scale, tileHeight = (long)height * scale;
        float fontSize = Math.Clamp(tileHeight * 0.5f, 10f, 20f);
        int labelWidth = rowLabels is null ? 0 : MeasureLabels(rowLabels, fontSize) + 2 * LabelPadding;
        long gridWidth = labelWidth + gap + cols * (tileWidth + gap);
        long gridHeight = gap + rows * (tileHeight + gap);
        if (gridWidth > 1 << 16 || gridHeight > 1 << 16)
            throw new ArgumentException(
                $"ImageGrid: the grid would be {gridWidth} × {gridHeight} pixels; the limit is 65536 per side. Use fewer images, more columns or a smaller scale.");

        byte backgroundByte = ToByte(background);
        var grid = RasterImage.Filled((int)gridWidth, (int)gridHeight, channels, backgroundByte);
        var (batchLow, batchHigh) = range == ImageValueRange.MinMax ? MinMax(values) : (0f, 0f);
        var rowSamples = new byte[width * channels];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> image = values.AsSpan(i * imageSize, imageSize);
            var (low, high) = range switch
            {
                ImageValueRange.ZeroToOne => (0f, 1f),
                ImageValueRange.MinusOneToOne => (-1f, 1f),
                ImageValueRange.MinMax => (batchLow, batchHigh),
                _ => MinMax(image),
            };
            int left = labelWidth + gap + (i % cols) * (int)(tileWidth + gap);
            int top = gap + (i / cols) * (int)(tileHeight + gap);
            DrawTile(grid, image, height, width, channels, low, high, scale, left, top, rowSamples);
        }

        if (rowLabels is not null)
            DrawRowLabels(grid, rowLabels, labelWidth, gap, (int)tileHeight, fontSize, background);
        return grid;
    }

    private static (int Count, int Height, int Width, int Channels) ImageShape(Tensor images)
    {
        var shape = images.Shape;
        if (shape.Rank == 3)
            return Checked(shape[0], shape[1], shape[2], 1, shape);
        if (shape.Rank == 4)
        {
            int channels = shape[3];
            if (channels is 1 or 3) return Checked(shape[0], shape[1], shape[2], channels, shape);
            string hint = shape[1] is 1 or 3
                ? " It looks channels-first (NCHW); DeepSharp images are channels-last (NHWC): permute the axes first."
                : "";
            throw new ArgumentException(
                $"ImageGrid: images of shape {shape} have {channels} channels; expected 1 (gray) or 3 (RGB) in the last dimension.{hint}",
                nameof(images));
        }
        throw new ArgumentException(
            $"ImageGrid: expected images of shape [N, H, W] or [N, H, W, C]; got shape {shape} (rank {shape.Rank}). " +
            "For a single image, add a batch dimension of 1.", nameof(images));

        static (int, int, int, int) Checked(int n, int h, int w, int c, TensorShape shape)
        {
            if (n == 0 || h == 0 || w == 0)
                throw new ArgumentException($"ImageGrid: images of shape {shape} are empty; need at least one image of at least 1 × 1 pixels.", "images");
            return (n, h, w, c);
        }
    }

    private static void CheckFinite(float[] values, int height, int width, int channels)
    {
        for (int k = 0; k < values.Length; k++)
        {
            if (float.IsFinite(values[k])) continue;
            int perImage = height * width * channels;
            int i = k / perImage, rest = k % perImage;
            int y = rest / (width * channels), x = rest / channels % width, c = rest % channels;
            throw new ArgumentException(
                $"ImageGrid: image {i} has the value {values[k]} at row {y}, column {x}, channel {c}; all values must be finite " +
                "(a NaN usually means training diverged).", "images");
        }
    }

    private static (float Low, float High) MinMax(ReadOnlySpan<float> values)
    {
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (v < low) low = v;
            if (v > high) high = v;
        }
        return (low, high);
    }

    private static void DrawTile(RasterImage grid, ReadOnlySpan<float> image, int height, int width, int channels,
        float low, float high, int scale, int left, int top, byte[] rowSamples)
    {
        // A constant image under min-max has no contrast to stretch: it maps to black, as torchvision's make_grid does.
        float inverseSpan = high > low ? 1f / (high - low) : 0f;
        int rowLength = width * channels;
        long gridStride = (long)grid.Width * channels;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<float> source = image.Slice(y * rowLength, rowLength);
            for (int k = 0; k < rowLength; k++)
                rowSamples[k] = ToByte((source[k] - low) * inverseSpan);

            long firstRow = (top + (long)y * scale) * gridStride + (long)left * channels;
            Span<byte> destination = grid.Pixels.AsSpan((int)firstRow, rowLength * scale);
            if (scale == 1)
                rowSamples.CopyTo(destination);
            else
                for (int x = 0; x < width; x++)
                    for (int s = 0; s < scale; s++)
                        rowSamples.AsSpan(x * channels, channels).CopyTo(destination.Slice((x * scale + s) * channels, channels));
            for (int s = 1; s < scale; s++)
                destination.CopyTo(grid.Pixels.AsSpan((int)(firstRow + s * gridStride), destination.Length));
        }
    }

    /// <summary>Maps [0, 1] to 0..255, rounding to nearest and clipping outside values.</summary>
    internal static byte ToByte(float value) => (byte)(Math.Clamp(value, 0f, 1f) * 255f + 0.5f);

    private static int MeasureLabels(IReadOnlyList<string> labels, float fontSize)
    {
        using var font = new SKFont(PlotFonts.Typeface(), fontSize);
        float widest = 0f;
        foreach (string? label in labels)
            widest = Math.Max(widest, font.MeasureText(label ?? ""));
        return (int)Math.Ceiling(widest);
    }

    private static void DrawRowLabels(RasterImage grid, IReadOnlyList<string> labels, int labelWidth, int gap, int tileHeight,
        float fontSize, float background)
    {
        // Text is drawn by Skia into its own strip left of the tiles, so the tiles themselves stay untouched.
        byte level = ToByte(background);
        var info = new SKImageInfo(labelWidth, grid.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        using (var font = new SKFont(PlotFonts.Typeface(), fontSize) { Edging = SKFontEdging.Antialias })
        using (var paint = new SKPaint { Color = background >= 0.5f ? SKColors.Black : SKColors.White, IsAntialias = true })
        {
            canvas.Clear(new SKColor(level, level, level));
            float capHeight = font.Metrics.CapHeight;
            for (int r = 0; r < labels.Count; r++)
            {
                float centre = gap + r * (tileHeight + gap) + tileHeight / 2f;
                canvas.DrawText(labels[r] ?? "", labelWidth - LabelPadding, centre + capHeight / 2f, SKTextAlign.Right, font, paint);
            }
        }

        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        int channels = grid.Channels;
        for (int y = 0; y < grid.Height; y++)
            for (int x = 0; x < labelWidth; x++)
            {
                int source = y * bitmap.RowBytes + x * 4;
                long target = ((long)y * grid.Width + x) * channels;
                for (int c = 0; c < channels; c++)
                    grid.Pixels[target + c] = rgba[source + c]; // gray text on gray: R = G = B, so one channel serves gray output
            }
    }
}

using SkiaSharp;

namespace DeepSharp.Plots;

/// <summary>
/// Renders panels side by side on one white canvas, with an optional title above them all (matplotlib's
/// suptitle), and hands back the pixels. Rendering goes to memory, not to a file, so that the PNG is written by
/// <see cref="RasterImage.SavePng"/> atomically like every other picture.
/// </summary>
internal static class Figure
{
    /// <summary>Smallest and largest accepted sizes, in pixels.</summary>
    public const int MinPanelWidth = 160, MinHeight = 120, MaxSide = 10_000;

    private const int TitleBand = 44;
    private const float TitleSize = 20f;

    /// <summary>Checks the requested size of a figure of <paramref name="panelCount"/> panels.</summary>
    public static void CheckSize(string operation, int width, int height, int panelCount)
    {
        if (width < MinPanelWidth * panelCount || width > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), width,
                $"{operation}: width must be from {MinPanelWidth * panelCount} to {MaxSide} pixels for {panelCount} panel(s).");
        if (height < MinHeight || height > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(height), height,
                $"{operation}: height must be from {MinHeight} to {MaxSide} pixels.");
    }

    /// <summary>The RGB pixels of <paramref name="panels"/> laid out left to right under <paramref name="title"/>.</summary>
    public static RasterImage Render(string operation, IReadOnlyList<LinePanel> panels, string? title, int width, int height)
    {
        CheckSize(operation, width, height, panels.Count);
        int top = string.IsNullOrEmpty(title) ? 0 : TitleBand;
        int panelWidth = width / panels.Count;

        // Build every panel first: bad input must fail before anything is drawn.
        var plots = new List<ScottPlot.Plot>(panels.Count);
        try
        {
            for (int i = 0; i < panels.Count; i++)
                plots.Add(panels[i].Build(operation, panelWidth, height - top));

            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
            using var bitmap = new SKBitmap(info);
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Clear(SKColors.White);
                if (top > 0) DrawTitle(canvas, title!, width, top);
                for (int i = 0; i < plots.Count; i++)
                {
                    // Each panel renders into a bitmap of its own: ScottPlot clears the whole canvas it is given,
                    // even when told to draw into a rectangle of it, which would erase the panels to its left.
                    int left = i * panelWidth;
                    int right = i == plots.Count - 1 ? width : left + panelWidth;
                    using var panel = new SKBitmap(new SKImageInfo(right - left, height - top, SKColorType.Rgba8888, SKAlphaType.Premul));
                    using (var panelCanvas = new SKCanvas(panel))
                    {
                        panelCanvas.Clear(SKColors.White);
                        plots[i].Render(panelCanvas, panel.Width, panel.Height);
                    }
                    canvas.DrawBitmap(panel, left, top);
                }
            }
            return ToRgb(bitmap);
        }
        finally
        {
            foreach (var plot in plots) plot.Dispose();
        }
    }

    private static void DrawTitle(SKCanvas canvas, string title, int width, int band)
    {
        using var font = new SKFont(PlotFonts.Typeface(bold: true), TitleSize) { Edging = SKFontEdging.Antialias };
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        float baseline = band / 2f + font.Metrics.CapHeight / 2f + 4;
        canvas.DrawText(title, width / 2f, baseline, SKTextAlign.Center, font, paint);
    }

    private static RasterImage ToRgb(SKBitmap bitmap)
    {
        // The canvas was cleared to opaque white, so every pixel is opaque and premultiplied equals straight RGB.
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        int width = bitmap.Width, height = bitmap.Height;
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = rgba.Slice(y * bitmap.RowBytes, width * 4);
            Span<byte> target = rgb.AsSpan(y * width * 3, width * 3);
            for (int x = 0; x < width; x++)
            {
                target[3 * x] = row[4 * x];
                target[3 * x + 1] = row[4 * x + 1];
                target[3 * x + 2] = row[4 * x + 2];
            }
        }
        return new RasterImage(width, height, 3, rgb);
    }
}

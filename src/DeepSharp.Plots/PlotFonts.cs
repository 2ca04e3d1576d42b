using SkiaSharp;

namespace DeepSharp.Plots;

/// <summary>
/// Chooses the font family for text in pictures. ScottPlot's own choice is not good enough headless: on a Debian
/// machine with only the DejaVu fonts it resolves its "sans" default to DejaVu Serif. So we ask the font manager
/// for common sans-serif families ourselves, in order, and fall back to ScottPlot's default when none is present.
/// </summary>
internal static class PlotFonts
{
    private static readonly string[] Candidates =
        ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI", "Roboto", "FreeSans"];

    private static readonly Lazy<string> Family = new(FindSansFamily);
    private static readonly Lazy<SKTypeface> Regular = new(() => Load(SKFontStyleWeight.Normal));
    private static readonly Lazy<SKTypeface> Bold = new(() => Load(SKFontStyleWeight.Bold));

    /// <summary>The sans-serif family used for titles, labels and legends.</summary>
    public static string Sans => Family.Value;

    /// <summary>A typeface of <see cref="Sans"/>, loaded once and shared (never dispose it).</summary>
    public static SKTypeface Typeface(bool bold = false) => bold ? Bold.Value : Regular.Value;

    private static SKTypeface Load(SKFontStyleWeight weight) =>
        SKTypeface.FromFamilyName(Sans, weight, SKFontStyleWidth.Normal, SKFontStyleSlant.Upright) ?? SKTypeface.Default;

    private static string FindSansFamily()
    {
        var installed = new HashSet<string>(SKFontManager.Default.GetFontFamilies(), StringComparer.OrdinalIgnoreCase);
        foreach (string candidate in Candidates)
            if (installed.Contains(candidate)) return candidate;
        return ScottPlot.Fonts.Default;
    }
}

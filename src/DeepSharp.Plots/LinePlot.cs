namespace DeepSharp.Plots;

/// <summary>
/// A general figure of lines per epoch in one panel, e.g. the discriminator and generator losses of a GAN:
/// <code>
/// LinePlot.Save("losses.png", new Dictionary&lt;string, IReadOnlyList&lt;double&gt;&gt;
/// {
///     ["Discriminator"] = discriminatorLosses,
///     ["Generator"] = generatorLosses,
/// }, title: "GAN losses");
/// </code>
/// Lines are solid, coloured in matplotlib's default order, in the dictionary's enumeration order (insertion
/// order for a <see cref="Dictionary{TKey, TValue}"/> that had no removals). Non-finite values leave gaps.
/// </summary>
public static class LinePlot
{
    /// <summary>Writes one panel with a line per series (x = 1, 2, ... for the values of each series).</summary>
    /// <param name="path">The PNG file to write (e.g. "losses.png"); its directory is created if missing.</param>
    /// <param name="series">The lines: legend text → one value per epoch (or step).</param>
    /// <param name="title">The title; null or empty for none.</param>
    /// <param name="xLabel">The label of the x axis.</param>
    /// <param name="yLabel">The label of the y axis.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void Save(string path, IReadOnlyDictionary<string, IReadOnlyList<double>> series, string? title = null,
        string xLabel = "Epoch", string yLabel = "Loss",
        int width = TrainingCurves.DefaultPanelWidth, int height = TrainingCurves.DefaultPanelHeight)
        => Render(series, title, xLabel, yLabel, width, height).SavePng(path);

    /// <summary>The pixels of <see cref="Save"/>'s figure.</summary>
    internal static RasterImage Render(IReadOnlyDictionary<string, IReadOnlyList<double>> series, string? title,
        string xLabel, string yLabel, int width, int height)
    {
        const string operation = "LinePlot.Save";
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        if (series.Count == 0)
            throw new ArgumentException($"{operation}: no series given; pass at least one name → values per epoch.", nameof(series));
        var lines = new List<PlotSeries>(series.Count);
        foreach (var (name, values) in series)
        {
            LinePanel.CheckSeries(operation, name, values);
            lines.Add(new PlotSeries(name, values, LinePanel.Palette[lines.Count % LinePanel.Palette.Length]));
        }
        var panel = new LinePanel(title ?? "", xLabel, yLabel, lines);
        return Figure.Render(operation, [panel], null, width, height);
    }
}

using ScottPlot;

namespace DeepSharp.Plots;

/// <summary>One line of a panel: a value per epoch (the first at x = 1), drawn solid or dashed.</summary>
internal sealed record PlotSeries(string Label, IReadOnlyList<double> Values, Color Color, bool Dashed = false);

/// <summary>
/// One panel of a figure: lines of values per epoch with a title, axis labels and a legend, styled after the
/// matplotlib figures of the Keras tutorials (integer epochs from 1, 5 % margins, no minor ticks). Non-finite
/// values (a loss that diverged) leave a gap in their line and are noted in the legend instead of failing the plot.
/// </summary>
internal sealed record LinePanel(string Title, string XLabel, string YLabel, IReadOnlyList<PlotSeries> Series)
{
    // matplotlib's default colour cycle ("tab10"), so figures look like the ones readers know from the tutorials.
    public static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c"), Color.FromHex("#d62728"),
        Color.FromHex("#9467bd"), Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#7f7f7f"),
        Color.FromHex("#bcbd22"), Color.FromHex("#17becf"),
    ];

    // Markers make a few epochs readable; past this many points they only clutter the line.
    private const int MarkerLimit = 30;
    private const float LineWidth = 2f;
    private const float MarkerSize = 7f;

    /// <summary>Throws unless <paramref name="values"/> holds at least one value (non-finite ones are allowed).</summary>
    public static void CheckSeries(string operation, string key, IReadOnlyList<double>? values)
    {
        if (values is null)
            throw new ArgumentException($"{operation}: the series '{key}' is null.");
        if (values.Count == 0)
            throw new ArgumentException($"{operation}: the series '{key}' is empty; it needs a value per epoch (at least one).");
    }

    /// <summary>Builds the ScottPlot plot of this panel for a render of about <paramref name="pixelWidth"/> × <paramref name="pixelHeight"/>.</summary>
    public Plot Build(string operation, int pixelWidth, int pixelHeight)
    {
        var plot = new Plot();
        try
        {
            Configure(plot, operation, pixelWidth, pixelHeight);
            return plot;
        }
        catch
        {
            plot.Dispose();
            throw;
        }
    }

    private void Configure(Plot plot, string operation, int pixelWidth, int pixelHeight)
    {
        plot.Font.Set(PlotFonts.Sans);
        if (Title.Length > 0) plot.Title(Title, 16);
        plot.XLabel(XLabel, 14);
        plot.YLabel(YLabel, 14);

        int longest = 0;
        double yLow = double.PositiveInfinity, yHigh = double.NegativeInfinity;
        foreach (var series in Series)
        {
            longest = Math.Max(longest, series.Values.Count);
            foreach (double v in series.Values)
                if (double.IsFinite(v)) { yLow = Math.Min(yLow, v); yHigh = Math.Max(yHigh, v); }
        }
        if (double.IsInfinity(yLow))
        {
            var names = string.Join(", ", Series.Select(s => $"'{s.Label}'"));
            throw new ArgumentException($"{operation}: the series {names} of panel '{Title}' hold no finite value (all NaN or infinite).");
        }

        // Limits are set by hand: autoscaling a single point or a flat line gives an empty or odd range.
        double xPad = longest > 1 ? 0.05 * (longest - 1) : 0.5;
        double yPad = yHigh > yLow ? 0.05 * (yHigh - yLow) : Math.Max(Math.Abs(yHigh) * 0.05, 0.05);
        var limits = new AxisLimits(1 - xPad, longest + xPad, yLow - yPad, yHigh + yPad);
        plot.Axes.SetLimits(limits);
        // Fewer ticks than ScottPlot's default, about as many as matplotlib draws; epochs are whole numbers.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true, TickDensity = 0.6 };
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { TickDensity = 0.5 };
        plot.Axes.Bottom.MinorTickStyle.Length = 0;
        plot.Axes.Left.MinorTickStyle.Length = 0;

        var legend = new List<LegendItem>(Series.Count);
        var samples = new List<(double X, double Y)>();
        foreach (var series in Series)
        {
            bool markers = series.Values.Count <= MarkerLimit;
            AddSegments(plot, series, markers, samples);
            legend.Add(new LegendItem
            {
                LabelText = series.Label + NonFiniteNote(series.Values),
                LineColor = series.Color,
                LineWidth = LineWidth,
                LinePattern = series.Dashed ? LinePattern.Dashed : LinePattern.Solid,
                MarkerShape = markers ? MarkerShape.FilledCircle : MarkerShape.None,
                MarkerColor = series.Color,
                MarkerSize = MarkerSize,
            });
        }
        var corner = QuietestCorner(samples, limits, legend, pixelWidth, pixelHeight);
        plot.ShowLegend(legend, corner);
        plot.Legend.FontSize = 13;
        // matplotlib's legend: a light frame and no drop shadow.
        plot.Legend.OutlineColor = Color.FromHex("#cccccc");
        plot.Legend.ShadowColor = Colors.Transparent;
        plot.Legend.BackgroundColor = Colors.White.WithAlpha(0.85);
    }

    /// <summary>" (not finite from epoch 7)" and the like when a series has NaN or infinite values; "" otherwise.</summary>
    internal static string NonFiniteNote(IReadOnlyList<double> values)
    {
        int first = -1, count = 0;
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]))
            {
                if (first < 0) first = i;
                count++;
            }
        if (count == 0) return "";
        if (first + count == values.Count) return $" (not finite from epoch {first + 1})";
        return count == 1 ? $" (not finite at epoch {first + 1})" : $" (not finite at {count} epochs from epoch {first + 1})";
    }

    /// <summary>Adds one scatter per run of finite values, so a NaN leaves a gap rather than breaking the line or the axis limits.</summary>
    private static void AddSegments(Plot plot, PlotSeries series, bool markers, List<(double X, double Y)> samples)
    {
        var values = series.Values;
        int start = 0;
        while (start < values.Count)
        {
            if (!double.IsFinite(values[start]))
            {
                start++;
                continue;
            }
            int end = start;
            while (end < values.Count && double.IsFinite(values[end])) end++;
            int length = end - start;
            var xs = new double[length];
            var ys = new double[length];
            for (int i = 0; i < length; i++)
            {
                xs[i] = start + i + 1;
                ys[i] = values[start + i];
            }
            var scatter = plot.Add.Scatter(xs, ys, series.Color);
            scatter.LineWidth = LineWidth;
            scatter.LinePattern = series.Dashed ? LinePattern.Dashed : LinePattern.Solid;
            // A lone point has no line to show it: it always gets a marker.
            scatter.MarkerShape = markers || length == 1 ? MarkerShape.FilledCircle : MarkerShape.None;
            scatter.MarkerSize = MarkerSize;
            Sample(xs, ys, samples);
            start = end;
        }
    }

    private static void Sample(double[] xs, double[] ys, List<(double X, double Y)> samples)
    {
        const int perSegment = 8;
        samples.Add((xs[0], ys[0]));
        for (int i = 1; i < xs.Length; i++)
            for (int s = 1; s <= perSegment; s++)
            {
                double t = s / (double)perSegment;
                samples.Add((xs[i - 1] + t * (xs[i] - xs[i - 1]), ys[i - 1] + t * (ys[i] - ys[i - 1])));
            }
    }

    /// <summary>
    /// The corner whose legend-sized box covers the fewest points of the lines (matplotlib's loc="best" in spirit):
    /// upper right for a falling loss, lower right for a rising accuracy. Ties keep matplotlib's order of preference.
    /// </summary>
    private static Alignment QuietestCorner(List<(double X, double Y)> samples, AxisLimits limits, List<LegendItem> legend,
        int pixelWidth, int pixelHeight)
    {
        // Rough size of the legend and of the data area in pixels: 13 px text, a 40 px line symbol, margins for the axes.
        int longestLabel = 0;
        foreach (var item in legend) longestLabel = Math.Max(longestLabel, item.LabelText?.Length ?? 0);
        double dataWidth = Math.Max(pixelWidth - 90, 50), dataHeight = Math.Max(pixelHeight - 100, 50);
        double boxWidth = Math.Min(0.9, (60 + 7.5 * longestLabel) / dataWidth);
        double boxHeight = Math.Min(0.9, (14 + 21 * legend.Count) / dataHeight);

        Alignment[] order = [Alignment.UpperRight, Alignment.UpperLeft, Alignment.LowerLeft, Alignment.LowerRight];
        Alignment best = order[0];
        int fewest = int.MaxValue;
        foreach (var corner in order)
        {
            bool right = corner is Alignment.UpperRight or Alignment.LowerRight;
            bool upper = corner is Alignment.UpperRight or Alignment.UpperLeft;
            int covered = 0;
            foreach (var (x, y) in samples)
            {
                double u = (x - limits.Left) / (limits.Right - limits.Left);
                double v = (y - limits.Bottom) / (limits.Top - limits.Bottom);
                bool inX = right ? u >= 1 - boxWidth : u <= boxWidth;
                bool inY = upper ? v >= 1 - boxHeight : v <= boxHeight;
                if (inX && inY) covered++;
            }
            if (covered < fewest)
            {
                fewest = covered;
                best = corner;
            }
        }
        return best;
    }
}

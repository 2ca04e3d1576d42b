namespace DeepSharp.Plots;

/// <summary>
/// Pictures of a training run from its per-epoch history, as Keras tutorials draw them with matplotlib.
/// The history maps a name to one value per epoch, with Keras' names: "loss", "accuracy", "val_loss",
/// "val_accuracy", and any other metric ("mae", "val_mae", ...). Training lines are solid, validation lines dashed;
/// epochs count from 1. A value that is NaN or infinite (a diverged run) leaves a gap in its line and is noted in
/// the legend. Every file is written atomically.
/// </summary>
public static class TrainingCurves
{
    /// <summary>Default size of <see cref="Save"/>'s two-panel figure, in pixels.</summary>
    public const int DefaultWidth = 1200, DefaultHeight = 480;

    /// <summary>Default size of a one-panel figure, in pixels (matplotlib's 6.4 × 4.8 inches at 100 dpi).</summary>
    public const int DefaultPanelWidth = 640, DefaultPanelHeight = 480;

    private const string ValidationPrefix = "val_";

    // Callbacks such as ReduceLROnPlateau add the learning rate to Keras' history; it is not a metric to plot.
    private static readonly string[] NotMetrics = ["loss", "lr", "learning_rate"];

    /// <summary>
    /// Writes two panels side by side: loss on the left; accuracy (or else the first other metric) on the right,
    /// training solid and validation dashed. With no metric besides loss, the loss panel fills the figure.
    /// </summary>
    /// <param name="path">The PNG file to write (e.g. "curves.png"); its directory is created if missing.</param>
    /// <param name="history">Values per epoch by Keras name; needs "loss" or "val_loss".</param>
    /// <param name="title">An optional title above both panels.</param>
    /// <param name="width">Width of the whole figure in pixels.</param>
    /// <param name="height">Height of the whole figure in pixels.</param>
    public static void Save(string path, IReadOnlyDictionary<string, IReadOnlyList<double>> history, string? title = null,
        int width = DefaultWidth, int height = DefaultHeight)
        => RenderCurves(history, title, width, height).SavePng(path);

    /// <summary>
    /// Writes the classic figure of the Keras CNN tutorial: "Model accuracy", accuracy per epoch, training and
    /// validation. The accuracy is "accuracy", else "acc", else the first metric whose name ends in "accuracy".
    /// </summary>
    /// <param name="path">The PNG file to write (e.g. "accuracy.png").</param>
    /// <param name="history">Values per epoch by Keras name.</param>
    /// <param name="title">The title; null gives "Model accuracy", an empty string none.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void SaveAccuracy(string path, IReadOnlyDictionary<string, IReadOnlyList<double>> history, string? title = null,
        int width = DefaultPanelWidth, int height = DefaultPanelHeight)
    {
        const string operation = "TrainingCurves.SaveAccuracy";
        CheckHistory(operation, history);
        string metric = FindAccuracy(history)
            ?? throw new ArgumentException($"{operation}: the history has no accuracy; its keys are {Keys(history)}.", nameof(history));
        RenderMetric(operation, history, metric, title, width, height).SavePng(path);
    }

    /// <summary>
    /// Writes one panel of one metric per epoch ("loss", "mae", ...): "Model loss" with the training and, when the
    /// history has it, the validation values ("val_" + metric), legend Train / Validation.
    /// </summary>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="history">Values per epoch by Keras name.</param>
    /// <param name="metric">The name of the metric; a "val_" prefix is ignored (both lines are drawn when present).</param>
    /// <param name="title">The title; null gives "Model " + the metric's name, an empty string none.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void SaveMetric(string path, IReadOnlyDictionary<string, IReadOnlyList<double>> history, string metric,
        string? title = null, int width = DefaultPanelWidth, int height = DefaultPanelHeight)
        => RenderMetric("TrainingCurves.SaveMetric", history, metric, title, width, height).SavePng(path);

    /// <summary>The pixels of <see cref="Save"/>'s figure.</summary>
    internal static RasterImage RenderCurves(IReadOnlyDictionary<string, IReadOnlyList<double>> history, string? title,
        int width, int height)
    {
        const string operation = "TrainingCurves.Save";
        CheckHistory(operation, history);
        if (!history.ContainsKey("loss") && !history.ContainsKey(ValidationPrefix + "loss"))
            throw new ArgumentException($"{operation}: the history has no 'loss' or 'val_loss'; its keys are {Keys(history)}.", nameof(history));

        var panels = new List<LinePanel> { Panel(history, "loss", null, "Training", "Validation") };
        string? metric = FindAccuracy(history) ?? FirstMetric(history);
        if (metric is not null)
            panels.Add(Panel(history, metric, null, "Training", "Validation"));
        return Figure.Render(operation, panels, title, width, height);
    }

    /// <summary>The pixels of a one-metric figure.</summary>
    internal static RasterImage RenderMetric(string operation, IReadOnlyDictionary<string, IReadOnlyList<double>> history,
        string metric, string? title, int width, int height)
    {
        CheckHistory(operation, history);
        ArgumentException.ThrowIfNullOrEmpty(metric);
        if (metric.StartsWith(ValidationPrefix, StringComparison.Ordinal))
            metric = metric[ValidationPrefix.Length..];
        if (!history.ContainsKey(metric) && !history.ContainsKey(ValidationPrefix + metric))
            throw new ArgumentException($"{operation}: the history has no '{metric}' or 'val_{metric}'; its keys are {Keys(history)}.", nameof(metric));
        title ??= "Model " + DisplayName(metric, capitalise: false);
        var panel = Panel(history, metric, title, "Train", "Validation");
        return Figure.Render(operation, [panel], null, width, height);
    }

    /// <summary>The panel of one metric; a null title says which of training and validation it shows.</summary>
    internal static LinePanel Panel(IReadOnlyDictionary<string, IReadOnlyList<double>> history, string metric, string? title,
        string trainingLabel, string validationLabel)
    {
        var series = new List<PlotSeries>(2);
        bool hasTraining = history.TryGetValue(metric, out var training);
        bool hasValidation = history.TryGetValue(ValidationPrefix + metric, out var validation);
        if (hasTraining) series.Add(new PlotSeries(trainingLabel, training!, LinePanel.Palette[0]));
        if (hasValidation) series.Add(new PlotSeries(validationLabel, validation!, LinePanel.Palette[1], Dashed: true));
        string which = (hasTraining, hasValidation) switch
        {
            (true, true) => "Training and validation",
            (true, false) => "Training",
            _ => "Validation",
        };
        title ??= $"{which} {DisplayName(metric, capitalise: false)}";
        return new LinePanel(title, "Epoch", DisplayName(metric, capitalise: true), series);
    }

    private static void CheckHistory(string operation, IReadOnlyDictionary<string, IReadOnlyList<double>> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
            throw new ArgumentException($"{operation}: the history is empty; it needs at least 'loss' with one value per epoch.", nameof(history));
        foreach (var (key, values) in history)
            LinePanel.CheckSeries(operation, key, values);
    }

    private static string? FindAccuracy(IReadOnlyDictionary<string, IReadOnlyList<double>> history)
    {
        foreach (string name in (ReadOnlySpan<string>)["accuracy", "acc"])
            if (history.ContainsKey(name) || history.ContainsKey(ValidationPrefix + name)) return name;
        foreach (string key in history.Keys)
        {
            string name = key.StartsWith(ValidationPrefix, StringComparison.Ordinal) ? key[ValidationPrefix.Length..] : key;
            if (name.EndsWith("accuracy", StringComparison.Ordinal)) return name;
        }
        return null;
    }

    private static string? FirstMetric(IReadOnlyDictionary<string, IReadOnlyList<double>> history)
    {
        foreach (string key in history.Keys)
        {
            string name = key.StartsWith(ValidationPrefix, StringComparison.Ordinal) ? key[ValidationPrefix.Length..] : key;
            if (Array.IndexOf(NotMetrics, name) < 0) return name;
        }
        return null;
    }

    /// <summary>"sparse_categorical_accuracy" → "Sparse categorical accuracy"; abbreviations such as "mae" → "MAE".</summary>
    internal static string DisplayName(string metric, bool capitalise)
    {
        string spaced = metric.Replace('_', ' ');
        if (spaced is "mae" or "mse" or "rmse" or "auc" or "mape" or "msle")
            return spaced.ToUpperInvariant();
        if (spaced == "acc") spaced = "accuracy";
        return capitalise && spaced.Length > 0 ? char.ToUpperInvariant(spaced[0]) + spaced[1..] : spaced;
    }

    private static string Keys(IReadOnlyDictionary<string, IReadOnlyList<double>> history)
        => history.Count == 0 ? "(none)" : string.Join(", ", history.Keys.Select(k => $"'{k}'"));
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace DeepSharp;

/// <summary>
/// Saves the model (or its weights) after epochs, as Keras' <c>ModelCheckpoint</c>. The path may hold
/// placeholders: <c>"ckpt-{epoch:02d}-{val_loss:.2f}.dsm"</c>. With <see cref="SaveBestOnly"/> it saves only
/// when the monitored quantity improves. Files are written atomically.
/// </summary>
public sealed partial class ModelCheckpoint : Callback
{
    private readonly MonitoredValue _monitored;

    /// <summary>Creates the callback.</summary>
    public ModelCheckpoint(string filePath, string monitor = "val_loss", bool saveBestOnly = false, bool saveWeightsOnly = false,
        MonitorMode mode = MonitorMode.Auto, int verbose = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        FilePath = filePath;
        SaveBestOnly = saveBestOnly;
        SaveWeightsOnly = saveWeightsOnly;
        Verbose = verbose;
        _monitored = new MonitoredValue(monitor, mode, 0);
    }

    /// <summary>Where to save; may contain {epoch} and {metric:format} placeholders.</summary>
    public string FilePath { get; }

    /// <summary>Save only when the monitored value improves.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>Save only the weights (SaveWeights) rather than the whole model.</summary>
    public bool SaveWeightsOnly { get; }

    /// <summary>1 prints a line at each save.</summary>
    public int Verbose { get; }

    /// <summary>True: in a data-parallel Fit, rank 0 alone saves (every rank holds the same weights).</summary>
    public override bool RankZeroOnly => true;

    /// <summary>The last file written, or null.</summary>
    public string? LastSavedPath { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs) => _monitored.Reset();

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (SaveBestOnly)
        {
            if (!_monitored.TryRead(logs, nameof(ModelCheckpoint), out double value)) return;
            if (!_monitored.IsImprovement(value, _monitored.Best)) return;
            if (Verbose > 0)
                ProgressBar.CurrentOutput.WriteLine($"Epoch {epoch + 1}: {_monitored.Monitor} improved from {_monitored.Best:G6} to {value:G6}, saving model.");
            _monitored.SetBest(value);
        }
        var path = FormatPath(FilePath, epoch, logs);
        if (SaveWeightsOnly) Model.SaveWeights(path);
        else Model.Save(path);
        LastSavedPath = path;
    }

    /// <summary>Fills {epoch} (1-based, as Keras) and {key:format} placeholders with Python-style formats (02d, .4f).</summary>
    internal static string FormatPath(string template, int epoch, IReadOnlyDictionary<string, double> logs) =>
        Placeholder().Replace(template, match =>
        {
            string key = match.Groups["key"].Value, format = match.Groups["format"].Value;
            double value = key == "epoch" ? epoch + 1 : logs.TryGetValue(key, out var v)
                ? v
                : throw new KeyNotFoundException($"ModelCheckpoint: the path uses '{{{key}}}' but the logs have only: epoch, {string.Join(", ", logs.Keys)}.");
            return FormatValue(value, format);
        });

    private static string FormatValue(double value, string format)
    {
        if (format.Length == 0) return value.ToString(CultureInfo.InvariantCulture);
        if (format.EndsWith('d'))
        {
            int width = format.Length > 1 ? int.Parse(format[..^1], CultureInfo.InvariantCulture) : 0;
            return ((long)value).ToString("D" + width, CultureInfo.InvariantCulture);
        }
        if (format.StartsWith('.') && format.EndsWith('f')) return value.ToString("F" + format[1..^1], CultureInfo.InvariantCulture);
        throw new FormatException($"ModelCheckpoint: unsupported format '{format}' (use forms like 02d or .4f).");
    }

    [GeneratedRegex(@"\{(?<key>[A-Za-z_][A-Za-z0-9_]*)(:(?<format>[^}]*))?\}")]
    private static partial Regex Placeholder();
}

namespace DeepSharp;

/// <summary>
/// The per-epoch values of a <c>Fit</c> run, as Keras' <c>History</c>: <c>history["val_accuracy"]</c> is the
/// list of validation accuracies, one per epoch. Fit returns it; it is also a callback.
/// </summary>
public sealed class History : Callback
{
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);
    private readonly List<int> _epochs = [];
    private readonly List<double> _epochSeconds = [];
    private readonly List<int> _epochSamples = [];

    /// <summary>The epochs recorded (0-based, as Keras).</summary>
    public IReadOnlyList<int> Epochs => _epochs;

    /// <summary>Every recorded series by key ("loss", "accuracy", "val_loss", ...), as Keras' <c>history.history</c>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> Values =>
        _values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double>)kv.Value, StringComparer.Ordinal);

    /// <summary>The series for <paramref name="key"/>; a missing key names the keys there are.</summary>
    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var list)
        ? list
        : throw new KeyNotFoundException($"History has no '{key}'; it has: {string.Join(", ", _values.Keys)}.");

    /// <summary>The keys recorded, in order of first appearance.</summary>
    public IReadOnlyCollection<string> Keys => _values.Keys;

    /// <summary>Seconds each epoch spent in training steps (validation excluded), in order.</summary>
    public IReadOnlyList<double> EpochSeconds => _epochSeconds;

    /// <summary>Training samples processed in each epoch, in order.</summary>
    public IReadOnlyList<int> EpochSamples => _epochSamples;

    /// <summary>
    /// Steady-state training throughput: samples per second over all epochs but the first (which includes
    /// JIT warm-up) when there are several, else over the one epoch.
    /// </summary>
    public double SamplesPerSecond
    {
        get
        {
            int skip = _epochSeconds.Count > 1 ? 1 : 0;
            double seconds = _epochSeconds.Skip(skip).Sum();
            return seconds > 0 ? _epochSamples.Skip(skip).Sum() / seconds : 0;
        }
    }

    internal void RecordTiming(int samples, double seconds)
    {
        _epochSamples.Add(samples);
        _epochSeconds.Add(seconds);
    }

    /// <summary>Why training ended early, if it did (early stopping, a NaN loss), else null.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>Whether training stopped because the loss became NaN or infinite.</summary>
    public bool StoppedOnNaN { get; internal set; }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        _epochs.Add(epoch);
        foreach (var (key, value) in logs)
        {
            if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
            list.Add(value);
        }
    }
}

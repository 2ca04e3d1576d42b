using System.Text.Json.Nodes;

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

    /// <summary>
    /// Whether training was interrupted (Ctrl-C or SIGTERM under a <see cref="BackupAndRestore"/>) and stopped after a
    /// batch, before its last epoch ended; the checkpoint it left continues it.
    /// </summary>
    public bool Interrupted { get; internal set; }

    /// <summary>The record so far as JSON, for a checkpoint (numbers exact; <see cref="Restore"/> reads it back).</summary>
    internal JsonObject ToJson()
    {
        var values = new JsonObject();
        foreach (var (key, list) in _values) values[key] = ExactJson.Numbers(list);
        return new JsonObject
        {
            ["epochs"] = new JsonArray(_epochs.Select(e => (JsonNode?)e).ToArray()),
            ["values"] = values,
            ["epoch_seconds"] = ExactJson.Numbers(_epochSeconds),
            ["epoch_samples"] = new JsonArray(_epochSamples.Select(n => (JsonNode?)n).ToArray()),
        };
    }

    /// <summary>Replaces the record with one <see cref="ToJson"/> wrote (a resumed run's epochs before the resume).</summary>
    /// <exception cref="FormatException">The JSON is not such a record.</exception>
    internal void Restore(JsonObject json)
    {
        var epochs = ExactJson.ReadArray(json["epochs"], "history.epochs")
            .Select((e, i) => (int)ExactJson.ReadInteger(e, $"history.epochs[{i}]", 0, int.MaxValue)).ToList();
        var values = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var (key, node) in ExactJson.ReadObject(json["values"], "history.values"))
        {
            var list = ExactJson.ReadNumbers(node, $"history.values.{key}").ToList();
            if (list.Count != epochs.Count)
                throw new FormatException($"history.values.{key} has {list.Count} values for {epochs.Count} epochs.");
            values[key] = list;
        }
        var seconds = ExactJson.ReadNumbers(json["epoch_seconds"], "history.epoch_seconds");
        var samples = ExactJson.ReadArray(json["epoch_samples"], "history.epoch_samples")
            .Select((n, i) => (int)ExactJson.ReadInteger(n, $"history.epoch_samples[{i}]", 0, int.MaxValue)).ToArray();
        if (seconds.Length != samples.Length)
            throw new FormatException($"history.epoch_seconds has {seconds.Length} values but history.epoch_samples {samples.Length}.");
        _epochs.Clear();
        _epochs.AddRange(epochs);
        _values.Clear();
        foreach (var (key, list) in values) _values[key] = list;
        _epochSeconds.Clear();
        _epochSeconds.AddRange(seconds);
        _epochSamples.Clear();
        _epochSamples.AddRange(samples);
    }

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

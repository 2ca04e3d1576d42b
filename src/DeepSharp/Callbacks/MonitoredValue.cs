namespace DeepSharp;

/// <summary>Tracks the best value of a monitored quantity for callbacks that watch one.</summary>
internal sealed class MonitoredValue
{
    private readonly bool _lowerIsBetter;
    private readonly double _minDelta;

    internal MonitoredValue(string monitor, MonitorMode mode, double minDelta)
    {
        Monitor = monitor;
        _lowerIsBetter = mode switch
        {
            MonitorMode.Min => true,
            MonitorMode.Max => false,
            // Keras: anything with "acc" (or "auc") in its name is maximised, everything else minimised.
            _ => !(monitor.Contains("acc", StringComparison.Ordinal) || monitor.Contains("auc", StringComparison.Ordinal)),
        };
        _minDelta = Math.Abs(minDelta);
        Reset();
    }

    internal string Monitor { get; }

    internal double Best { get; private set; }

    internal void Reset() => Best = _lowerIsBetter ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Whether <paramref name="value"/> beats <paramref name="reference"/> by more than the minimum delta.</summary>
    internal bool IsImprovement(double value, double reference) =>
        _lowerIsBetter ? value < reference - _minDelta : value > reference + _minDelta;

    /// <summary>Reads the monitored value from epoch logs; a missing key names what is there.</summary>
    internal bool TryRead(IReadOnlyDictionary<string, double> logs, string callback, out double value)
    {
        if (logs.TryGetValue(Monitor, out value)) return true;
        Console.Error.WriteLine($"{callback}: monitored '{Monitor}' is not available; available: {string.Join(", ", logs.Keys)}. Skipping.");
        return false;
    }

    internal void SetBest(double value) => Best = value;
}

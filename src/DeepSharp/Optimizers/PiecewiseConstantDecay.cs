using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Keras' <c>PiecewiseConstantDecay</c>, the step schedule: <c>values[0]</c> while step &lt;= <c>boundaries[0]</c>,
/// <c>values[i]</c> while <c>boundaries[i−1]</c> &lt; step &lt;= <c>boundaries[i]</c>, and the last value after the
/// last boundary. For example boundaries [1000, 2000] with values [0.1, 0.01, 0.001].
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _values;

    /// <summary>Creates the schedule.</summary>
    /// <param name="boundaries">Increasing steps where the rate changes.</param>
    /// <param name="values">The rates (finite, >= 0), one more than there are boundaries.</param>
    public PiecewiseConstantDecay(long[] boundaries, double[] values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (boundaries.Length != values.Length - 1)
            throw new ArgumentException($"PiecewiseConstantDecay: values must have one more element than boundaries; got " +
                $"{boundaries.Length} boundaries and {values.Length} values.", nameof(values));
        for (int i = 1; i < boundaries.Length; i++)
            if (boundaries[i] <= boundaries[i - 1])
                throw new ArgumentException($"PiecewiseConstantDecay: boundaries must increase; got {boundaries[i - 1]} then {boundaries[i]} " +
                    $"at index {i}.", nameof(boundaries));
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]) || values[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(values), values[i],
                    $"PiecewiseConstantDecay: values must be finite numbers >= 0; values[{i}] is {values[i]}.");
        _boundaries = (long[])boundaries.Clone();
        _values = (double[])values.Clone();
    }

    /// <summary>The steps where the rate changes.</summary>
    public IReadOnlyList<long> Boundaries => _boundaries;

    /// <summary>The rates, one per interval.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <inheritdoc/>
    public override float At(long step)
    {
        for (int i = 0; i < _boundaries.Length; i++)
            if (step <= _boundaries[i]) return (float)_values[i];
        return (float)_values[^1];
    }

    /// <inheritdoc/>
    public override JsonNode GetConfig()
    {
        var boundaries = new JsonArray();
        foreach (var b in _boundaries) boundaries.Add((JsonNode)b);
        var values = new JsonArray();
        foreach (var v in _values) values.Add((JsonNode)v);
        return Serialized(new JsonObject { ["boundaries"] = boundaries, ["values"] = values });
    }
}

using System.Globalization;

namespace DeepSharp;

/// <summary>
/// What <c>Evaluate</c> returns: the loss and each metric by name. Deconstructs like Keras' list:
/// <c>var (loss, accuracy) = model.Evaluate(x, y);</c>
/// </summary>
public sealed class EvaluationResult
{
    private readonly List<KeyValuePair<string, double>> _values;

    internal EvaluationResult(IEnumerable<KeyValuePair<string, double>> values) => _values = values.ToList();

    /// <summary>The loss.</summary>
    public double Loss => this["loss"];

    /// <summary>The value of <paramref name="name"/> ("loss", "accuracy").</summary>
    public double this[string name]
    {
        get
        {
            foreach (var (key, value) in _values) if (key == name) return value;
            throw new KeyNotFoundException($"Evaluate computed {string.Join(", ", _values.Select(v => v.Key))}; not '{name}'.");
        }
    }

    /// <summary>All values in order: the loss first, then the metrics.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Values => _values;

    /// <summary>The loss and the first metric.</summary>
    public void Deconstruct(out double loss, out double metric)
    {
        if (_values.Count < 2) throw new InvalidOperationException("Evaluate: the model was compiled without metrics; read .Loss instead.");
        loss = _values[0].Value;
        metric = _values[1].Value;
    }

    /// <summary>The loss and the first two metrics.</summary>
    public void Deconstruct(out double loss, out double metric1, out double metric2)
    {
        if (_values.Count < 3) throw new InvalidOperationException($"Evaluate computed {_values.Count} values, not 3.");
        loss = _values[0].Value;
        metric1 = _values[1].Value;
        metric2 = _values[2].Value;
    }

    /// <summary>"loss: 0.3512 - accuracy: 0.8754".</summary>
    public override string ToString() =>
        string.Join(" - ", _values.Select(v => $"{v.Key}: {v.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"));
}

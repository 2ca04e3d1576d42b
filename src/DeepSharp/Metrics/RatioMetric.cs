namespace DeepSharp;

/// <summary>A metric that is a ratio of running totals (correct / seen, sum / count).</summary>
public abstract class RatioMetric : Metric
{
    private double _numerator;
    private double _denominator;

    /// <summary>Creates the metric.</summary>
    protected RatioMetric(string name) : base(name)
    {
    }

    /// <summary>Adds to the running totals.</summary>
    protected void Accumulate(double numerator, double denominator)
    {
        _numerator += numerator;
        _denominator += denominator;
    }

    /// <summary>Adds a (numerator, denominator) pair to the running totals.</summary>
    private protected void Accumulate((double Numerator, double Denominator) totals) => Accumulate(totals.Numerator, totals.Denominator);

    /// <inheritdoc/>
    public override double Result() => _denominator == 0 ? 0 : _numerator / _denominator;

    /// <inheritdoc/>
    public override void ResetState() => _numerator = _denominator = 0;

    /// <summary>The two running totals: the numerator and the denominator.</summary>
    public override double[] GetState() => [_numerator, _denominator];

    /// <inheritdoc/>
    public override void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 2)
            throw new ArgumentException($"Metric '{Name}': its state is 2 values (numerator, denominator); got {state.Length}.", nameof(state));
        (_numerator, _denominator) = (state[0], state[1]);
    }
}

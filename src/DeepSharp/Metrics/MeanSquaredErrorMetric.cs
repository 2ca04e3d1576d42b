namespace DeepSharp;

/// <summary>Mean squared error as a metric.</summary>
public sealed class MeanSquaredErrorMetric(string name = "mean_squared_error") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight) =>
        Accumulate(MetricValues.SumOfErrors(targets, predictions, squared: true, sampleWeight));
}

namespace DeepSharp;

/// <summary>Mean absolute error as a metric.</summary>
public sealed class MeanAbsoluteErrorMetric(string name = "mean_absolute_error") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight) =>
        Accumulate(MetricValues.SumOfErrors(targets, predictions, squared: false, sampleWeight));
}

namespace DeepSharp;

/// <summary>The share of rows whose largest prediction is where the one-hot target is (Keras' categorical_accuracy).</summary>
public sealed class CategoricalAccuracy(string name = "categorical_accuracy") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight) =>
        Accumulate(MetricValues.CountArgMaxMatches(targets, predictions, sampleWeight));
}

namespace DeepSharp;

/// <summary>The share of rows whose largest prediction is at the integer label (Keras' sparse_categorical_accuracy).</summary>
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight) =>
        Accumulate(MetricValues.CountArgMaxEqualsLabel(targets, predictions, sampleWeight));
}

namespace DeepSharp;

/// <summary>The share of elements where the prediction, thresholded at <see cref="Threshold"/>, equals the 0/1 target.</summary>
public sealed class BinaryAccuracy(string name = "binary_accuracy", float threshold = 0.5f) : RatioMetric(name)
{
    /// <summary>The decision threshold (Keras default 0.5).</summary>
    public float Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight) =>
        Accumulate(MetricValues.CountBinaryMatches(targets, predictions, Threshold, sampleWeight));
}

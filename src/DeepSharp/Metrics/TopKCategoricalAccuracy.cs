namespace DeepSharp;

/// <summary>The share of rows whose one-hot target is among the <see cref="K"/> largest predictions.</summary>
public sealed class TopKCategoricalAccuracy(int k = 5, string name = "top_k_categorical_accuracy") : RatioMetric(name)
{
    /// <summary>How many of the largest predictions count (Keras default 5).</summary>
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight) =>
        Accumulate(MetricValues.CountLabelInTopK(targets, predictions, K, labelsAreOneHot: true, sampleWeight));
}

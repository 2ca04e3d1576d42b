namespace DeepSharp;

/// <summary>
/// A loss reported as a metric (Keras' metrics "binary_crossentropy", "crossentropy", ...): the mean of the
/// loss over every sample seen since the last reset, or with sample weights its weighted mean Σ w·l / Σ w.
/// </summary>
public sealed class LossMetric : RatioMetric
{
    /// <summary>Creates the metric; its name defaults to the loss's.</summary>
    public LossMetric(Loss loss, string? name = null) : base(name ?? loss?.Name ?? throw new ArgumentNullException(nameof(loss)))
    {
        Loss = loss;
    }

    /// <summary>The loss averaged.</summary>
    public Loss Loss { get; }

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        int rows = predictions.Rank == 0 ? 1 : predictions.Size / Math.Max(1, predictions.Shape[-1]);
        int samples = predictions.Rank == 0 ? 1 : predictions.Shape[0];
        using (TensorScope.Begin())
        using (Autograd.NoGrad())
        {
            double value = Loss.Compute(targets, predictions, sampleWeight).Item();
            // Unweighted: the batch counts by its rows, so batches of any size average right. Weighted: the loss is
            // Σ w·l / n (Keras' sum_over_batch_size), so n·value over Σ w is the weighted mean.
            if (sampleWeight is null) Accumulate(value * rows, rows);
            else Accumulate(value * samples, Ops.Sum(sampleWeight).Item());
        }
    }
}

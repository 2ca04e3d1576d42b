using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A quantity tracked during training and evaluation, as Keras' stateful metrics: <see cref="UpdateState(Tensor, Tensor)"/>
/// with each batch, <see cref="Result"/> for the value so far, <see cref="ResetState"/> at each epoch.
/// Accepts a name where a metric is expected: <c>metrics: ["accuracy"]</c> ("accuracy" is resolved from the
/// shapes of the targets and outputs at the first batch, as Keras does).
/// </summary>
public abstract class Metric
{
    /// <summary>Creates the metric with its display name (the key in History and logs).</summary>
    protected Metric(string name) => Name = name;

    /// <summary>The key under which the metric is reported ("accuracy", "val_accuracy").</summary>
    public string Name { get; internal set; }

    /// <summary>Adds one batch of targets and predictions to the running state (no graph is recorded).</summary>
    public abstract void UpdateState(Tensor targets, Tensor predictions);

    /// <summary>
    /// Adds one batch with a weight per sample (Keras' <c>sample_weight</c>): the result becomes the weighted mean
    /// of the per-sample values, Σ w·v / Σ w. Null weights are plain <see cref="UpdateState(Tensor, Tensor)"/>.
    /// The built-in metrics take weights; a custom metric overrides this to be used in <c>weightedMetrics</c>.
    /// </summary>
    public virtual void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight)
    {
        if (sampleWeight is null)
        {
            UpdateState(targets, predictions);
            return;
        }
        throw new NotSupportedException(
            $"Metric '{Name}' ({GetType().Name}) does not take sample weights: override UpdateState(targets, predictions, sampleWeight) " +
            "to use it in weightedMetrics, or pass it in metrics (which Keras updates without weights).");
    }

    /// <summary>The value over everything since the last reset.</summary>
    public abstract double Result();

    /// <summary>Clears the running state.</summary>
    public abstract void ResetState();

    /// <summary>
    /// The running totals <see cref="Result"/> is computed from (for an accuracy: correct and seen), so that a data-parallel
    /// run can add them up over its ranks and every rank reports the metric of all the samples. Empty (the default) for a
    /// metric that keeps no such totals: a data-parallel run then averages its result over the ranks, weighted by their samples.
    /// </summary>
    public virtual double[] GetState() => [];

    /// <summary>Replaces the running totals with <paramref name="state"/>, in the layout of <see cref="GetState"/> (the totals of all ranks).</summary>
    /// <exception cref="ArgumentException">The state has another length than <see cref="GetState"/>'s.</exception>
    public virtual void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 0)
            throw new ArgumentException($"Metric '{Name}': it keeps no running totals (GetState is empty), so a state of {state.Length} values cannot be set.", nameof(state));
    }

    /// <summary>
    /// The metric to use with <paramref name="loss"/>: itself, unless a name like "accuracy" depends on the loss.
    /// <c>Compile</c> no longer asks this: as Keras 3, it resolves "accuracy" from the shapes of the first batch.
    /// </summary>
    public virtual Metric ResolveFor(Loss loss) => this;

    /// <summary>The arguments that recreate this metric.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name };

    /// <summary>The metric a Keras name stands for.</summary>
    public static implicit operator Metric(string name) => Metrics.Get(name);
}

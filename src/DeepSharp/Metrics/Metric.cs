using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A quantity tracked during training and evaluation, as Keras' stateful metrics: <see cref="UpdateState"/>
/// with each batch, <see cref="Result"/> for the value so far, <see cref="ResetState"/> at each epoch.
/// Accepts a name where a metric is expected: <c>metrics: ["accuracy"]</c> ("accuracy" is resolved from
/// the loss when the model is compiled, as Keras does).
/// </summary>
public abstract class Metric
{
    /// <summary>Creates the metric with its display name (the key in History and logs).</summary>
    protected Metric(string name) => Name = name;

    /// <summary>The key under which the metric is reported ("accuracy", "val_accuracy").</summary>
    public string Name { get; }

    /// <summary>Adds one batch of targets and predictions to the running state (no graph is recorded).</summary>
    public abstract void UpdateState(Tensor targets, Tensor predictions);

    /// <summary>The value over everything since the last reset.</summary>
    public abstract double Result();

    /// <summary>Clears the running state.</summary>
    public abstract void ResetState();

    /// <summary>
    /// The running state as numbers (Keras' metric variables), so that a training checkpoint taken inside an epoch
    /// can restore it with <see cref="SetState"/>; null when the metric does not expose its state (a run resumed
    /// inside an epoch then reports it over the batches since the resume).
    /// </summary>
    public virtual double[]? GetState() => null;

    /// <summary>Sets the running state to numbers <see cref="GetState"/> returned.</summary>
    /// <exception cref="NotSupportedException">The metric does not expose its state.</exception>
    /// <exception cref="ArgumentException">The numbers are not a state of this metric.</exception>
    public virtual void SetState(ReadOnlySpan<double> state) =>
        throw new NotSupportedException($"{GetType().Name} '{Name}' does not expose its state; override GetState and SetState to checkpoint it.");

    /// <summary>The metric to use with <paramref name="loss"/>: itself, unless a name like "accuracy" depends on the loss.</summary>
    public virtual Metric ResolveFor(Loss loss) => this;

    /// <summary>The arguments that recreate this metric.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name };

    /// <summary>The metric a Keras name stands for.</summary>
    public static implicit operator Metric(string name) => Metrics.Get(name);
}

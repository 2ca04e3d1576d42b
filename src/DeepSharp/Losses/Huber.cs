using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Huber loss, quadratic near zero and linear beyond <see cref="Delta"/>, as Keras' <c>Huber</c>.</summary>
/// <param name="delta">Where the loss turns from quadratic to linear (Keras default 1).</param>
public sealed class Huber(float delta = 1f) : Loss
{
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public float Delta { get; } = delta > 0 && float.IsFinite(delta)
        ? delta
        : throw new ArgumentOutOfRangeException(nameof(delta), delta, $"Huber: delta must be a finite number > 0; got {delta}.");

    /// <inheritdoc/>
    public override string Name => "huber";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => Ops.Huber(targets, predictions, Delta);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["name"] = Name, ["delta"] = Delta };
}

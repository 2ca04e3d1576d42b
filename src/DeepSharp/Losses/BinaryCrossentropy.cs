using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Binary cross-entropy for 0/1 targets, as Keras' <c>BinaryCrossentropy</c>; a sigmoid output is fused
/// into the loss (the stable logits form).
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
public sealed class BinaryCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions)
    {
        if (!FromLogits && Ops.TryGetSigmoidInput(predictions, out var logits))
            return Ops.BinaryCrossentropy(targets, logits, fromLogits: true);
        return Ops.BinaryCrossentropy(targets, predictions, FromLogits);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = FromLogits };
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Cross-entropy for one-hot (or soft) targets, as Keras' <c>CategoricalCrossentropy</c>; a softmax output
/// is fused into the loss as Keras does on TensorFlow.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
public sealed class CategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions)
    {
        if (!FromLogits && Ops.TryGetSoftmaxInput(predictions, out var logits))
            return Ops.CategoricalCrossentropy(targets, logits, fromLogits: true);
        return Ops.CategoricalCrossentropy(targets, predictions, FromLogits);
    }

    /// <inheritdoc/>
    public override void ValidateTargets(Tensor targets, TensorShape outputShape)
    {
        if (targets.Rank < 1 || targets.Shape[-1] != outputShape[-1])
            throw new ArgumentException(
                $"{Name}: targets of shape {targets.Shape} do not match the model's output {outputShape.FormatBatch()}; " +
                "expected one-hot rows with one column per class (use sparse_categorical_crossentropy for integer labels).");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = FromLogits };
}

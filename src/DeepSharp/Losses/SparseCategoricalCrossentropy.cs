using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Cross-entropy for integer class labels, as Keras' <c>SparseCategoricalCrossentropy</c>. When the
/// predictions come straight from a softmax, the loss is computed from the softmax's input (the stable
/// fused form, as Keras does on TensorFlow).
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions)
    {
        if (!FromLogits && Ops.TryGetSoftmaxInput(predictions, out var logits))
            return Ops.SparseCategoricalCrossentropy(targets, logits, fromLogits: true);
        return Ops.SparseCategoricalCrossentropy(targets, predictions, FromLogits);
    }

    /// <inheritdoc/>
    public override void ValidateTargets(Tensor targets, TensorShape outputShape)
    {
        int classes = outputShape.Rank == 0 ? 1 : outputShape[-1];
        var labels = targets.ToArray();
        for (int i = 0; i < labels.Length; i++)
            if (!(labels[i] >= 0 && labels[i] < classes) || labels[i] != MathF.Floor(labels[i]))
                throw new ArgumentException(
                    $"{Name}: label {labels[i]} at index {i} is not a class index in [0, {classes - 1}]; the model outputs {classes} classes. " +
                    "Labels must be whole numbers 0..classes-1 (use categorical_crossentropy for one-hot targets).");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = FromLogits };
}

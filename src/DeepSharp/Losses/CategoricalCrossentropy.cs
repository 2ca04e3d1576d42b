using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Cross-entropy for one-hot (or soft) targets, as Keras' <c>CategoricalCrossentropy</c>; on a softmax output
/// the loss reads that softmax's logits and probabilities together, as <see cref="SparseCategoricalCrossentropy"/>.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
public sealed class CategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => ComputeFor(targets, predictions, OutputActivation.Unknown);

    /// <inheritdoc/>
    private protected override Tensor ComputeFor(Tensor targets, Tensor predictions, OutputActivation output)
    {
        if (FromLogits) return Ops.CategoricalCrossentropy(targets, predictions, fromLogits: true);
        return output is OutputActivation.Softmax or OutputActivation.Unknown
            ? Ops.CategoricalCrossentropyOfSoftmax(targets, predictions)
            : Ops.CategoricalCrossentropy(targets, predictions);
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

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Cross-entropy for integer class labels, as Keras' <c>SparseCategoricalCrossentropy</c>. When the
/// predictions come straight from a softmax (a model's softmax output layer, known at Compile; outside a model,
/// seen in the predictions' graph, as Keras does), the loss is computed from that softmax's logits and
/// probabilities together: the stable fused form, without a second softmax.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => ComputeFor(targets, predictions, OutputActivation.Unknown);

    /// <inheritdoc/>
    private protected override Tensor ComputeFor(Tensor targets, Tensor predictions, OutputActivation output)
    {
        if (FromLogits) return Ops.SparseCategoricalCrossentropy(targets, predictions, fromLogits: true);
        return output is OutputActivation.Softmax or OutputActivation.Unknown
            ? Ops.SparseCategoricalCrossentropyOfSoftmax(targets, predictions)
            : Ops.SparseCategoricalCrossentropy(targets, predictions);
    }

    /// <inheritdoc/>
    public override void ValidateTargets(Tensor targets, TensorShape outputShape)
    {
        int classes = outputShape.Rank == 0 ? 1 : outputShape[-1];
        var (index, label) = Ops.FirstInvalidLabel(targets, classes);
        if (index >= 0)
            throw new ArgumentException(
                $"{Name}: label {label} at index {index} is not a class index in [0, {classes - 1}]; the model outputs {classes} classes. " +
                "Labels must be whole numbers 0..classes-1 (use categorical_crossentropy for one-hot targets).");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = FromLogits };
}

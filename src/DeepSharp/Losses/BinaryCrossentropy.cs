using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Binary cross-entropy for 0/1 targets, as Keras' <c>BinaryCrossentropy</c>; on a sigmoid output the loss
/// reads that sigmoid's logits and values together (the stable logits form), as <see cref="SparseCategoricalCrossentropy"/>
/// does with a softmax.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
public sealed class BinaryCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => ComputeFor(targets, predictions, OutputActivation.Unknown);

    /// <inheritdoc/>
    private protected override Tensor ComputeFor(Tensor targets, Tensor predictions, OutputActivation output)
    {
        if (FromLogits) return Ops.BinaryCrossentropy(targets, predictions, fromLogits: true);
        return output is OutputActivation.Sigmoid or OutputActivation.Unknown
            ? Ops.BinaryCrossentropyOfSigmoid(targets, predictions)
            : Ops.BinaryCrossentropy(targets, predictions);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = FromLogits };
}

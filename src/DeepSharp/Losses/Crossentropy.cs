using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// "crossentropy" (or "ce"), as Keras 3 resolves the name from the shapes of the targets and the predictions:
/// binary cross-entropy when the outputs' last dimension is 1, sparse categorical cross-entropy for integer
/// labels (one dimension fewer than the outputs, or a last dimension of 1 against several outputs), categorical
/// cross-entropy otherwise. The same shapes give the same choice at every batch.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
public sealed class Crossentropy(bool fromLogits = false) : Loss
{
    private readonly BinaryCrossentropy _binary = new(fromLogits);
    private readonly SparseCategoricalCrossentropy _sparse = new(fromLogits);
    private readonly CategoricalCrossentropy _categorical = new(fromLogits);

    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "crossentropy";

    /// <summary>The cross-entropy these shapes stand for (batch dimension included in both).</summary>
    public Loss For(TensorShape targets, TensorShape predictions) => Accuracy.KindOf(targets, predictions) switch
    {
        TargetKind.Binary => _binary,
        TargetKind.SparseCategorical => _sparse,
        _ => _categorical,
    };

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => For(targets.Shape, predictions.Shape).Compute(targets, predictions);

    /// <inheritdoc/>
    private protected override Tensor ComputeFor(Tensor targets, Tensor predictions, OutputActivation output) =>
        For(targets.Shape, predictions.Shape).Compute(targets, predictions, output);

    /// <inheritdoc/>
    public override void ValidateTargets(Tensor targets, TensorShape outputShape)
    {
        var predictions = new TensorShape([targets.Rank == 0 ? 1 : targets.Shape[0], .. outputShape.Dims]);
        For(targets.Shape, predictions).ValidateTargets(targets, outputShape);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = FromLogits };
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A learned embedding per sequence position, as KerasHub's <c>PositionEmbedding</c>: called on sequences
/// (batch, steps, features) it returns the <c>embeddings</c> (sequenceLength, features) of the first <c>steps</c>
/// positions, broadcast over the batch (a view, not a copy). Add it to its input, as a transformer adds position
/// to its tokens: <c>new Add().Call([x, new PositionEmbedding(16).Call(x)])</c>.
/// </summary>
public sealed class PositionEmbedding : Layer
{
    /// <summary>Creates the layer; arguments and defaults as KerasHub's PositionEmbedding.</summary>
    /// <param name="sequenceLength">The most positions a sequence may have; positive.</param>
    /// <param name="initializer">Initializer of the embeddings (default Glorot uniform).</param>
    /// <param name="name">Layer name (default "position_embedding", ...).</param>
    /// <param name="inputShape">Per-sample input shape (steps, features) when this is a model's first layer; steps may be null (None).</param>
    public PositionEmbedding(int sequenceLength, Initializer? initializer = null, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        if (sequenceLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength,
                $"PositionEmbedding: sequenceLength must be positive; got {sequenceLength}.");
        SequenceLength = sequenceLength;
        Initializer = initializer ?? new GlorotUniform();
    }

    /// <summary>The most positions a sequence may have.</summary>
    public int SequenceLength { get; }

    /// <summary>Initializer of the embeddings.</summary>
    public Initializer Initializer { get; }

    /// <summary>The embeddings (sequenceLength, features) (after build).</summary>
    public Tensor Embeddings { get; private set; } = null!;

    /// <inheritdoc/>
    protected override string DefaultName => "position_embedding";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 2)
            throw new ArgumentException($"{Label} takes sequences (batch, steps, features); got input {FormatBatch(inputShape)}.");
        if (inputShape[0] > SequenceLength)
            throw new ArgumentException(
                $"{Label}: the input has {inputShape[0]} steps but the layer embeds at most sequenceLength = {SequenceLength} positions (input {FormatBatch(inputShape)}).");
        return inputShape;
    }

    /// <summary>Steps may be unknown (None), as in KerasHub: each batch's are checked against <see cref="SequenceLength"/>.</summary>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <inheritdoc/>
    public override PartialShape ComputeOutputShape(PartialShape inputShape)
    {
        if (inputShape.TryGetTensorShape(out var known)) return ComputeOutputShape(known);
        // Not by stand-in sizes: they would exceed sequenceLength. The output is the input's shape.
        RequireKnown(inputShape);
        ComputeOutputShape(inputShape.WithUnknownAs(1));
        return inputShape;
    }

    /// <inheritdoc/>
    protected override bool IsCompatibleInput(TensorShape built, TensorShape received) =>
        received.Rank == 2 && received[1] == built[1] && received[0] <= SequenceLength;

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) =>
        Embeddings = AddWeight("embeddings", [SequenceLength, inputShape[1]], Initializer);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        int steps = inputs.Shape[1];
        var positions = steps == SequenceLength ? Embeddings : Ops.Slice(Embeddings, 0, 0, steps);
        return Ops.Expand(positions, inputs.Shape[0], steps, inputs.Shape[2]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["sequence_length"] = SequenceLength;
        config["initializer"] = LayerConfigWriter.Initializer(Initializer);
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static PositionEmbedding FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(PositionEmbedding));
        return r.Finish(new PositionEmbedding(r.Required<int>("sequence_length"), r.Initializer("initializer"), r.Name, r.InputShape));
    }
}

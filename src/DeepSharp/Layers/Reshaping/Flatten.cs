using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Flattens each sample to one dimension, as Keras' <c>Flatten</c>: (batch, 28, 28) becomes (batch, 784).</summary>
public sealed class Flatten(string? name = null, PartialShape? inputShape = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => [inputShape.Size];

    /// <inheritdoc/>
    /// <remarks>An unknown dimension makes the flattened size unknown, as in Keras: (None, None, 28) becomes (None, None).</remarks>
    public override PartialShape ComputeOutputShape(PartialShape inputShape) =>
        inputShape.TryGetTensorShape(out var known) ? ComputeOutputShape(known) : [null];

    /// <inheritdoc/>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        inputs.Rank == 2 ? inputs : inputs.Reshape([inputs.Shape[0], -1]);

    /// <summary>Recreates the layer from the configuration <see cref="Layer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Flatten FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Flatten));
        return r.Finish(new Flatten(r.Name, r.InputShape));
    }
}

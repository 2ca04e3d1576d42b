using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Removes steps at the start and the end of channels-last sequences, as Keras' <c>Cropping1D</c>: the cropping is one
/// integer (both ends) or (start, end). The output is a view of the input.
/// </summary>
public sealed class Cropping1D : EdgeLayer1D
{
    private const int CroppingByDefault = 1;

    /// <summary>Creates the layer with the same cropping at both ends.</summary>
    /// <param name="cropping">Steps removed at the start and at the end.</param>
    /// <param name="name">Layer name (default "cropping1d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
    public Cropping1D(int cropping, string? name = null, PartialShape? inputShape = null) : this((cropping, cropping), name, inputShape)
    {
    }

    /// <summary>Creates the layer with each end given, as Keras' (start, end); (1, 1) by default.</summary>
    /// <param name="cropping">Steps removed at the start and at the end.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public Cropping1D((int Start, int End)? cropping = null, string? name = null, PartialShape? inputShape = null)
        : base(nameof(cropping), cropping ?? (CroppingByDefault, CroppingByDefault), name, inputShape)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "cropping1d";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireSpatial(this, inputShape, 1);
        int length = inputShape[0] - Start - End;
        if (length <= 0)
            throw new ArgumentException(
                $"Cropping1D '{Name}': cropping ({Start}, {End}) must leave steps of the input {FormatBatch(inputShape)}; it removes {Start + End} of {inputShape[0]}.");
        return [length, inputShape[1]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.Slice(inputs, 1, Start, inputs.Shape[1] - End);

    /// <summary>Recreates the layer from the configuration <see cref="EdgeLayer1D.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Cropping1D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Cropping1D));
        return r.Finish(new Cropping1D(r.Pair("cropping"), r.Name, r.InputShape));
    }
}

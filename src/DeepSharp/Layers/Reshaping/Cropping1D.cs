using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Removes steps at the start and the end of channels-last sequences, as Keras' <c>Cropping1D</c>: the cropping is one
/// integer (both ends) or (start, end). The output is a view of the input.
/// </summary>
public sealed class Cropping1D : Layer
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
    public Cropping1D((int Start, int End)? cropping = null, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        var (start, end) = cropping ?? (CroppingByDefault, CroppingByDefault);
        if (start < 0 || end < 0)
            throw new ArgumentOutOfRangeException(nameof(cropping), $"Cropping1D: cropping must be non-negative; got ({start}, {end}).");
        Start = start;
        End = end;
    }

    /// <summary>Steps removed at the start.</summary>
    public int Start { get; }

    /// <summary>Steps removed at the end.</summary>
    public int End { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "cropping1d";

    /// <inheritdoc/>
    /// <remarks>The steps may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

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

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["cropping"] = new JsonArray(Start, End);
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Cropping1D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Cropping1D));
        return r.Finish(new Cropping1D(r.Pair("cropping"), r.Name, r.InputShape));
    }
}

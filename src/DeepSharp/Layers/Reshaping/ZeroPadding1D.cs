using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adds steps of zeros at the start and the end of channels-last sequences, as Keras' <c>ZeroPadding1D</c>: the padding
/// is one integer (both ends) or (start, end).
/// </summary>
public sealed class ZeroPadding1D : Layer
{
    private const int PaddingByDefault = 1;

    /// <summary>Creates the layer with the same padding at both ends.</summary>
    /// <param name="padding">Steps added at the start and at the end; 1 by default.</param>
    /// <param name="name">Layer name (default "zero_padding1d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
    public ZeroPadding1D(int padding = PaddingByDefault, string? name = null, PartialShape? inputShape = null)
        : this((padding, padding), name, inputShape)
    {
    }

    /// <summary>Creates the layer with each end given, as Keras' (start, end).</summary>
    /// <param name="padding">Steps added at the start and at the end.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public ZeroPadding1D((int Start, int End) padding, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        if (padding.Start < 0 || padding.End < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"ZeroPadding1D: padding must be non-negative; got ({padding.Start}, {padding.End}).");
        Start = padding.Start;
        End = padding.End;
    }

    /// <summary>Steps added at the start.</summary>
    public int Start { get; }

    /// <summary>Steps added at the end.</summary>
    public int End { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "zero_padding1d";

    /// <inheritdoc/>
    /// <remarks>The steps may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireSpatial(this, inputShape, 1);
        return [inputShape[0] + Start + End, inputShape[1]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.Pad(inputs, [(0, 0), (Start, End), (0, 0)]);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["padding"] = new JsonArray(Start, End);
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static ZeroPadding1D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(ZeroPadding1D));
        return r.Finish(new ZeroPadding1D(r.Pair("padding") ?? (PaddingByDefault, PaddingByDefault), r.Name, r.InputShape));
    }
}

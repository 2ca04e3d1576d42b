using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Scales and shifts the inputs, as Keras' <c>Rescaling</c>: <c>inputs · scale + offset</c> (1/255 maps pixels to
/// [0, 1]; 1/127.5 with offset −1 to [−1, 1]), in training and inference alike. Any input shape.
/// </summary>
public sealed class Rescaling : Layer
{
    private const double NoOffset = 0;

    /// <summary>Creates the layer; arguments and defaults as Keras' Rescaling.</summary>
    /// <param name="scale">The factor every input is multiplied by.</param>
    /// <param name="offset">The value added after scaling; 0 by default.</param>
    /// <param name="name">Layer name (default "rescaling", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public Rescaling(double scale, double offset = NoOffset, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        if (!double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"Rescaling: scale must be a finite number; got {scale}.");
        if (!double.IsFinite(offset))
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Rescaling: offset must be a finite number; got {offset}.");
        Scale = scale;
        Offset = offset;
    }

    /// <summary>The factor every input is multiplied by.</summary>
    public double Scale { get; }

    /// <summary>The value added after scaling.</summary>
    public double Offset { get; }

    /// <inheritdoc/>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.MultiplyAdd(inputs, (float)Scale, (float)Offset, "rescaling");

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["scale"] = Scale;
        config["offset"] = Offset;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Rescaling FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Rescaling));
        if (!r.TryGet("scale", out var scale) || scale is not JsonValue)
            throw new FormatException($"Rescaling: the saved scale must be a number (per-channel scales are not supported); got {scale?.ToJsonString() ?? "nothing"}.");
        return r.Finish(new Rescaling(r.Required<double>("scale"), r.Optional("offset", NoOffset), r.Name, r.InputShape));
    }
}

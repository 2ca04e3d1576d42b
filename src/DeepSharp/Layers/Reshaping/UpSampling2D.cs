using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Enlarges channels-last images by integer factors, as Keras' <c>UpSampling2D</c>: "nearest" repeats each
/// pixel size.Height × size.Width times; "bilinear" interpolates (half-pixel centres, as Keras/TensorFlow).
/// </summary>
public sealed class UpSampling2D : Layer
{
    private const string DefaultInterpolation = "nearest";
    private readonly bool _bilinear;

    /// <summary>Creates the layer.</summary>
    /// <param name="size">Factors along height and width: one integer for both, or (height, width); 2 by default.</param>
    /// <param name="interpolation">"nearest" (default) or "bilinear".</param>
    /// <param name="name">Layer name (default "up_sampling2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public UpSampling2D(Size2D? size = null, string interpolation = DefaultInterpolation, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        Size = (size ?? 2).RequirePositive("UpSampling2D", nameof(size));
        ArgumentNullException.ThrowIfNull(interpolation);
        _bilinear = Ops.ParseInterpolation("UpSampling2D", interpolation);
        Interpolation = _bilinear ? "bilinear" : "nearest";
    }

    /// <summary>Factors along height and width.</summary>
    public Size2D Size { get; }

    /// <summary>"nearest" or "bilinear".</summary>
    public string Interpolation { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "up_sampling2d";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return [ImageLayers.Dimension(this, (long)inputShape[0] * Size.Height, inputShape), ImageLayers.Dimension(this, (long)inputShape[1] * Size.Width, inputShape), inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.UpSampling2D(inputs, Size, _bilinear, Label);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["size"] = ImageLayers.ToJson(Size);
        config["data_format"] = "channels_last";
        config["interpolation"] = Interpolation;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static UpSampling2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(UpSampling2D));
        return r.Finish(new UpSampling2D(r.Size("size"), r.Optional("interpolation", DefaultInterpolation), r.Name, r.InputShape));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Enlarges channels-last images by integer factors, as Keras' <c>UpSampling2D</c>: "nearest" repeats each
/// pixel size.Height × size.Width times; "bilinear" interpolates (half-pixel centres, as Keras/TensorFlow).
/// </summary>
public sealed class UpSampling2D : Layer
{
    private readonly bool _bilinear;
    private string? _label, _labelName;

    /// <summary>Creates the layer.</summary>
    /// <param name="size">Factors along height and width: one integer for both, or (height, width); 2 by default.</param>
    /// <param name="interpolation">"nearest" (default) or "bilinear".</param>
    /// <param name="name">Layer name (default "up_sampling2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public UpSampling2D(Size2D? size = null, string interpolation = "nearest", string? name = null, TensorShape? inputShape = null)
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
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return [inputShape[0] * Size.Height, inputShape[1] * Size.Width, inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.UpSampling2D(inputs, Size, _bilinear, Label);

    private string Label
    {
        get
        {
            if (!ReferenceEquals(_labelName, Name))
            {
                _label = $"UpSampling2D '{Name}'";
                _labelName = Name;
            }
            return _label!;
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["size"] = ImageLayers.ToJson(Size);
        config["data_format"] = "channels_last";
        config["interpolation"] = Interpolation;
        return config;
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Crops the centre of images to a fixed size, as Keras' <c>CenterCrop</c>, in training and inference alike. An image
/// smaller than the target along either axis is instead cropped to the target's aspect ratio and resized to it
/// (bilinear), as Keras' smart_resize.
/// </summary>
public sealed class CenterCrop : Layer
{
    /// <summary>Creates the layer; arguments as Keras' CenterCrop.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="name">Layer name (default "center_crop", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public CenterCrop(int height, int width, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(height <= 0 ? nameof(height) : nameof(width),
                $"CenterCrop: height and width must be positive integers; got ({height}, {width}).");
        Height = height;
        Width = width;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return [Height, Width, inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        int height = inputs.Shape[1], width = inputs.Shape[2];
        if (height >= Height && width >= Width)
            return Resizing.CropTo(inputs, ((height - Height) / 2, (width - Width) / 2, Height, Width));
        var window = Resizing.CropTo(inputs, Resizing.AspectCrop(height, width, Height, Width));
        return Ops.Resize(window, Height, Width, bilinear: true, Label);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static CenterCrop FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(CenterCrop));
        return r.Finish(new CenterCrop(r.Required<int>("height"), r.Required<int>("width"), r.Name, r.InputShape));
    }
}

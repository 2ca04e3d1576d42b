using System.Globalization;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Resizes images to a fixed size, as Keras' <c>Resizing</c>, in training and inference alike: bilinear (default) or
/// nearest-neighbour interpolation with half-pixel centres, optionally after cropping the largest centred window of
/// the target's aspect ratio (<see cref="CropToAspectRatio"/>) or padding to that ratio (<see cref="PadToAspectRatio"/>),
/// so the content is not distorted.
/// </summary>
public sealed class Resizing : Layer
{
    private const string DefaultInterpolation = "bilinear", ConstantFill = "constant";
    private readonly bool _bilinear;

    /// <summary>Creates the layer; arguments and defaults as Keras' Resizing.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="cropToAspectRatio">Crop the largest centred window of the target's aspect ratio first.</param>
    /// <param name="padToAspectRatio">Pad the image evenly on both sides to the target's aspect ratio first.</param>
    /// <param name="fillMode">The padding's fill: "constant" (the only one Keras has).</param>
    /// <param name="fillValue">The padding's value.</param>
    /// <param name="antialias">Keras' antialiased downsampling; not supported (false).</param>
    /// <param name="name">Layer name (default "resizing", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public Resizing(int height, int width, string interpolation = DefaultInterpolation, bool cropToAspectRatio = false, bool padToAspectRatio = false,
        string fillMode = ConstantFill, double fillValue = 0, bool antialias = false, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(height <= 0 ? nameof(height) : nameof(width),
                $"Resizing: height and width must be positive integers; got ({height}, {width}).");
        ArgumentNullException.ThrowIfNull(interpolation);
        _bilinear = Ops.ParseInterpolation(nameof(Resizing), interpolation);
        if (cropToAspectRatio && padToAspectRatio)
            throw new ArgumentException("Resizing: only one of cropToAspectRatio and padToAspectRatio can be true.", nameof(padToAspectRatio));
        if (fillMode != ConstantFill)
            throw new ArgumentException($"Resizing: fillMode must be \"constant\" (the padding's only fill); got \"{fillMode}\".", nameof(fillMode));
        if (!double.IsFinite(fillValue))
            throw new ArgumentOutOfRangeException(nameof(fillValue), fillValue, $"Resizing: fillValue must be a finite number; got {fillValue}.");
        if (antialias)
            throw new ArgumentException("Resizing: antialias: true is not supported; resizing is plain bilinear or nearest (Keras' default).", nameof(antialias));
        Height = height;
        Width = width;
        Interpolation = _bilinear ? "bilinear" : "nearest";
        CropToAspectRatio = cropToAspectRatio;
        PadToAspectRatio = padToAspectRatio;
        FillValue = fillValue;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>"bilinear" or "nearest".</summary>
    public string Interpolation { get; }

    /// <summary>Whether the largest centred window of the target's aspect ratio is cropped first.</summary>
    public bool CropToAspectRatio { get; }

    /// <summary>Whether the image is padded to the target's aspect ratio first.</summary>
    public bool PadToAspectRatio { get; }

    /// <summary>The padding's value.</summary>
    public double FillValue { get; }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return [Height, Width, inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var images = inputs;
        int height = inputs.Shape[1], width = inputs.Shape[2];
        if (CropToAspectRatio) images = CropTo(images, AspectCrop(height, width, Height, Width));
        else if (PadToAspectRatio)
        {
            // Keras' padded size, then the same padding on both sides of an axis (its even split).
            int padHeight = Math.Max(height, (int)((float)(width * Height) / Width));
            int padWidth = Math.Max(width, (int)((float)(height * Width) / Height));
            int top = (int)((float)(padHeight - height) / 2), left = (int)((float)(padWidth - width) / 2);
            if (top > 0 || left > 0) images = Ops.Pad(images, [(0, 0), (top, top), (left, left), (0, 0)], (float)FillValue);
        }
        return Ops.Resize(images, Height, Width, _bilinear, Label);
    }

    /// <summary>
    /// The largest centred window of a <paramref name="height"/> × <paramref name="width"/> image with the aspect ratio of
    /// <paramref name="targetHeight"/> × <paramref name="targetWidth"/>, computed as Keras' resize and smart_resize do.
    /// </summary>
    internal static (int Top, int Left, int Height, int Width) AspectCrop(int height, int width, int targetHeight, int targetWidth)
    {
        int cropHeight = Math.Max(Math.Min(height, (int)((float)(width * targetHeight) / targetWidth)), 1);
        int cropWidth = Math.Max(Math.Min(width, (int)((float)(height * targetWidth) / targetHeight)), 1);
        return ((int)((float)(height - cropHeight) / 2), (int)((float)(width - cropWidth) / 2), cropHeight, cropWidth);
    }

    /// <summary>The window of <paramref name="images"/> (a view).</summary>
    internal static Tensor CropTo(Tensor images, (int Top, int Left, int Height, int Width) window) =>
        Ops.Slice(Ops.Slice(images, 1, window.Top, window.Top + window.Height), 2, window.Left, window.Left + window.Width);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        config["interpolation"] = Interpolation;
        config["crop_to_aspect_ratio"] = CropToAspectRatio;
        config["pad_to_aspect_ratio"] = PadToAspectRatio;
        config["fill_mode"] = ConstantFill;
        config["fill_value"] = FillValue;
        config["antialias"] = false;
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Resizing FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(Resizing));
        return r.Finish(new Resizing(r.Required<int>("height"), r.Required<int>("width"), r.Optional("interpolation", DefaultInterpolation),
            r.Optional("crop_to_aspect_ratio", false), r.Optional("pad_to_aspect_ratio", false), r.Optional("fill_mode", ConstantFill),
            r.Optional("fill_value", 0.0), r.Optional("antialias", false), r.Name, r.InputShape));
    }
}

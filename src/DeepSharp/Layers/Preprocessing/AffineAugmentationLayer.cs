using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The geometric augmentations (RandomRotation, RandomTranslation, RandomZoom): each image resampled through its own
/// random affine map (Keras' <c>affine_transform</c>, on the resampling kernel ImageDataGenerator uses), points outside
/// filled as <see cref="FillMode"/> says, by bilinear or nearest interpolation. Keras' default fill is "reflect".
/// </summary>
public abstract class AffineAugmentationLayer : AugmentationLayer
{
    /// <summary>Keras' defaults.</summary>
    private protected const string ReflectFill = "reflect", BilinearInterpolation = "bilinear";

    private protected AffineAugmentationLayer(string fillMode, string interpolation, double fillValue, long? seed, string? name, PartialShape? inputShape)
        : base(seed, name, inputShape)
    {
        string kind = GetType().Name;
        ArgumentNullException.ThrowIfNull(fillMode);
        ArgumentNullException.ThrowIfNull(interpolation);
        Ops.ParseFillMode(kind, fillMode);
        Ops.ParseInterpolation(kind, interpolation);
        if (!double.IsFinite(fillValue))
            throw new ArgumentOutOfRangeException(nameof(fillValue), fillValue, $"{kind}: fillValue must be a finite number; got {fillValue}.");
        FillMode = fillMode.ToLowerInvariant();
        Interpolation = interpolation.ToLowerInvariant();
        FillValue = fillValue;
    }

    /// <summary>"reflect", "wrap", "constant" or "nearest": how points outside the image are filled.</summary>
    public string FillMode { get; }

    /// <summary>"bilinear" or "nearest".</summary>
    public string Interpolation { get; }

    /// <summary>The value outside the image with the "constant" fill.</summary>
    public double FillValue { get; }

    /// <summary>
    /// Draws one image's map into <paramref name="transform"/>, Keras' [a0, a1, a2, b0, b1, b2, c0, c1] from output
    /// (x, y) = (column, row) to input point.
    /// </summary>
    private protected abstract void DrawTransform(int height, int width, Span<float> transform);

    private protected override Tensor Augment(Tensor images)
    {
        int n = images.Shape[0];
        var values = new float[n * 8];
        for (int i = 0; i < n; i++) DrawTransform(images.Shape[1], images.Shape[2], values.AsSpan(i * 8, 8));
        return Ops.AffineTransform(images, Tensor.FromArray(values, n, 8), Interpolation, FillMode, (float)FillValue, Label);
    }

    /// <summary>Adds fill_mode, fill_value, interpolation and seed.</summary>
    private protected JsonObject WithResamplingConfig(JsonObject config)
    {
        config["fill_mode"] = FillMode;
        config["fill_value"] = FillValue;
        config["interpolation"] = Interpolation;
        config["seed"] = Seed;
        return config;
    }

    /// <summary>The arguments <see cref="WithResamplingConfig"/> saved (Keras' defaults when absent).</summary>
    private protected readonly record struct ResamplingArguments(string FillMode, string Interpolation, double FillValue, long? Seed)
    {
        internal static ResamplingArguments Read(ConfigReader r) => new(r.Optional("fill_mode", ReflectFill),
            r.Optional("interpolation", BilinearInterpolation), r.Optional("fill_value", 0.0), r.Nullable<long>("seed"));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Shifts each image by a random amount in training, as Keras' <c>RandomTranslation</c>: vertically by a fraction of
/// the height drawn from the height factor's range, horizontally by a fraction of the width from the width factor's
/// (positive moves the content down and right), points outside filled as <see cref="AffineAugmentationLayer.FillMode"/>
/// says. Images pass unchanged in inference.
/// </summary>
public sealed class RandomTranslation : AffineAugmentationLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' RandomTranslation.</summary>
    /// <param name="heightFactor">A fraction of the height: f for [−f, f], or (lower, upper); within [−1, 1].</param>
    /// <param name="widthFactor">A fraction of the width, as <paramref name="heightFactor"/>.</param>
    /// <param name="fillMode">"reflect" (default), "wrap", "constant" or "nearest".</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="seed">Seed of the random shifts.</param>
    /// <param name="fillValue">The value outside the image with "constant".</param>
    /// <param name="name">Layer name (default "random_translation", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public RandomTranslation(FactorRange heightFactor, FactorRange widthFactor, string fillMode = ReflectFill,
        string interpolation = BilinearInterpolation, long? seed = null, double fillValue = 0, string? name = null, PartialShape? inputShape = null)
        : base(fillMode, interpolation, fillValue, seed, name, inputShape)
    {
        HeightFactor = heightFactor.Check(nameof(RandomTranslation), nameof(heightFactor), -1, 1);
        WidthFactor = widthFactor.Check(nameof(RandomTranslation), nameof(widthFactor), -1, 1);
    }

    /// <summary>The range of vertical shifts, in fractions of the height.</summary>
    public FactorRange HeightFactor { get; }

    /// <summary>The range of horizontal shifts, in fractions of the width.</summary>
    public FactorRange WidthFactor { get; }

    /// <summary>Keras' translation of the content by (<paramref name="dx"/>, <paramref name="dy"/>) pixels, as an output-to-input map.</summary>
    internal static void Translation(double dx, double dy, Span<float> transform)
    {
        transform.Clear();
        transform[0] = 1;
        transform[2] = (float)-dx;
        transform[4] = 1;
        transform[5] = (float)-dy;
    }

    private protected override void DrawTransform(int height, int width, Span<float> transform)
    {
        double dy = Uniform(HeightFactor.Lower, HeightFactor.Upper) * height;
        double dx = Uniform(WidthFactor.Lower, WidthFactor.Upper) * width;
        Translation(dx, dy, transform);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = HeightFactor.ToJson();
        config["width_factor"] = WidthFactor.ToJson();
        return WithResamplingConfig(config);
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static RandomTranslation FromConfig(JsonObject config)
    {
        var r = Reader(config, nameof(RandomTranslation));
        var a = ResamplingArguments.Read(r);
        return r.Finish(new RandomTranslation(FactorRange.Read(r, "height_factor") ?? throw r.Missing("height_factor"),
            FactorRange.Read(r, "width_factor") ?? throw r.Missing("width_factor"), a.FillMode, a.Interpolation, a.Seed, a.FillValue, r.Name, r.InputShape));
    }
}

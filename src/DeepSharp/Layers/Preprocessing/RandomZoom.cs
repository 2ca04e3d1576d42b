using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Zooms each image by a random factor in training, as Keras' <c>RandomZoom</c>: the image is read over 1 + f times
/// its height (f drawn from the height factor's range) and width (from the width factor's, or the height's draw when
/// there is none), about its centre, so a positive f zooms out (the content shrinks) and a negative one zooms in;
/// points outside filled as <see cref="AffineAugmentationLayer.FillMode"/> says. Images pass unchanged in inference.
/// </summary>
public sealed class RandomZoom : AffineAugmentationLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' RandomZoom.</summary>
    /// <param name="heightFactor">f for [−f, f], or (lower, upper); within (−1, 1].</param>
    /// <param name="widthFactor">As <paramref name="heightFactor"/>; null (default) zooms both axes by the same draw, keeping the aspect ratio.</param>
    /// <param name="fillMode">"reflect" (default), "wrap", "constant" or "nearest".</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="seed">Seed of the random zooms.</param>
    /// <param name="fillValue">The value outside the image with "constant".</param>
    /// <param name="name">Layer name (default "random_zoom", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public RandomZoom(FactorRange heightFactor, FactorRange? widthFactor = null, string fillMode = ReflectFill,
        string interpolation = BilinearInterpolation, long? seed = null, double fillValue = 0, string? name = null, PartialShape? inputShape = null)
        : base(fillMode, interpolation, fillValue, seed, name, inputShape)
    {
        HeightFactor = heightFactor.Check(nameof(RandomZoom), nameof(heightFactor), -1, 1, minExcluded: true);
        WidthFactor = widthFactor?.Check(nameof(RandomZoom), nameof(widthFactor), -1, 1, minExcluded: true);
    }

    /// <summary>The range of height zooms (the factor is 1 + a draw).</summary>
    public FactorRange HeightFactor { get; }

    /// <summary>The range of width zooms, or null to zoom both axes alike.</summary>
    public FactorRange? WidthFactor { get; }

    /// <summary>Keras' zoom by <paramref name="widthZoom"/> and <paramref name="heightZoom"/> about the centre, as an output-to-input map.</summary>
    internal static void Zoom(double widthZoom, double heightZoom, int height, int width, Span<float> transform)
    {
        transform.Clear();
        transform[0] = (float)widthZoom;
        transform[2] = (float)((width - 1) / 2.0 * (1 - widthZoom));
        transform[4] = (float)heightZoom;
        transform[5] = (float)((height - 1) / 2.0 * (1 - heightZoom));
    }

    private protected override void DrawTransform(int height, int width, Span<float> transform)
    {
        double heightZoom = Uniform(1 + HeightFactor.Lower, 1 + HeightFactor.Upper);
        double widthZoom = WidthFactor is { } w ? Uniform(1 + w.Lower, 1 + w.Upper) : heightZoom;
        Zoom(widthZoom, heightZoom, height, width, transform);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = HeightFactor.ToJson();
        config["width_factor"] = WidthFactor?.ToJson();
        return WithResamplingConfig(config);
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static RandomZoom FromConfig(JsonObject config)
    {
        var r = Reader(config, nameof(RandomZoom));
        var a = ResamplingArguments.Read(r);
        return r.Finish(new RandomZoom(FactorRange.Read(r, "height_factor") ?? throw r.Missing("height_factor"), FactorRange.Read(r, "width_factor"),
            a.FillMode, a.Interpolation, a.Seed, a.FillValue, r.Name, r.InputShape));
    }
}

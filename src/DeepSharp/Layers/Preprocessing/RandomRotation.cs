using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Rotates each image by a random angle in training, as Keras' <c>RandomRotation</c>: the angle is drawn from
/// [lower·360°, upper·360°] (a factor f means [−f, f] of a full turn; positive is counter-clockwise), about the image
/// centre, points outside filled as <see cref="AffineAugmentationLayer.FillMode"/> says. Images pass unchanged in inference.
/// </summary>
public sealed class RandomRotation : AffineAugmentationLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' RandomRotation.</summary>
    /// <param name="factor">A fraction of a full turn: f for [−f, f], or (lower, upper); within [−1, 1].</param>
    /// <param name="fillMode">"reflect" (default), "wrap", "constant" or "nearest".</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="seed">Seed of the random angles.</param>
    /// <param name="fillValue">The value outside the image with "constant".</param>
    /// <param name="name">Layer name (default "random_rotation", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public RandomRotation(FactorRange factor, string fillMode = ReflectFill, string interpolation = BilinearInterpolation, long? seed = null,
        double fillValue = 0, string? name = null, PartialShape? inputShape = null)
        : base(fillMode, interpolation, fillValue, seed, name, inputShape)
    {
        Factor = factor.Check(nameof(RandomRotation), nameof(factor), -1, 1);
    }

    /// <summary>The range of angles, in fractions of a full turn.</summary>
    public FactorRange Factor { get; }

    /// <summary>
    /// Keras' rotation by <paramref name="degrees"/> counter-clockwise about the centre ((width − 1)/2, (height − 1)/2),
    /// as an output-to-input map [a0, a1, a2, b0, b1, b2, 0, 0].
    /// </summary>
    internal static void Rotation(double degrees, int height, int width, Span<float> transform)
    {
        double theta = degrees * Math.PI / 180, cos = Math.Cos(theta), sin = Math.Sin(theta);
        double cx = 0.5 * (width - 1), cy = 0.5 * (height - 1);
        transform[0] = (float)cos;
        transform[1] = (float)-sin;
        transform[2] = (float)(cx - cx * cos + cy * sin);
        transform[3] = (float)sin;
        transform[4] = (float)cos;
        transform[5] = (float)(cy - cx * sin - cy * cos);
        transform[6] = transform[7] = 0;
    }

    private protected override void DrawTransform(int height, int width, Span<float> transform) =>
        Rotation(Uniform(Factor.Lower * 360, Factor.Upper * 360), height, width, transform);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper); // Keras saves the (lower, upper) it made of the factor
        return WithResamplingConfig(config);
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static RandomRotation FromConfig(JsonObject config)
    {
        var r = Reader(config, nameof(RandomRotation));
        var a = ResamplingArguments.Read(r);
        return r.Finish(new RandomRotation(FactorRange.Read(r, "factor") ?? throw r.Missing("factor"), a.FillMode, a.Interpolation, a.Seed, a.FillValue,
            r.Name, r.InputShape));
    }
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Changes the contrast of each image at random in training, as Keras' <c>RandomContrast</c>: per image a factor c
/// is drawn from [1 − lower, 1 + upper], each channel becomes (x − mean)·c + mean (its mean over the pixels), and the
/// result is clipped to <see cref="ValueRange"/>. Images pass unchanged in inference.
/// </summary>
/// <remarks>
/// A single number f gives [1 − f, 1 + f], as Keras documents it (Keras 3's code reads it as [1, 1 + f]); a pair
/// (lower, upper) gives [1 − lower, 1 + upper] in both, and configurations are saved as that pair.
/// </remarks>
public sealed class RandomContrast : AugmentationLayer
{
    private static readonly (double Low, double High) DefaultValueRange = (0, 255);

    /// <summary>Creates the layer; arguments and defaults as Keras' RandomContrast.</summary>
    /// <param name="factor">f for factors in [1 − f, 1 + f], or (lower, upper) for [1 − lower, 1 + upper]; each in [0, 1].</param>
    /// <param name="valueRange">The range of the pixel values, which the output is clipped to: (0, 255) by default.</param>
    /// <param name="seed">Seed of the random factors.</param>
    /// <param name="name">Layer name (default "random_contrast", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public RandomContrast(FactorRange factor, (double Low, double High)? valueRange = null, long? seed = null, string? name = null,
        PartialShape? inputShape = null) : base(seed, name, inputShape)
    {
        // A number f means f below and f above 1; its FactorRange says (−f, f).
        var (lower, upper) = factor.IsSingle ? (factor.Upper, factor.Upper) : (factor.Lower, factor.Upper);
        if (!(lower >= 0 && lower <= 1 && upper >= 0 && upper <= 1))
            throw new ArgumentOutOfRangeException(nameof(factor), string.Create(CultureInfo.InvariantCulture,
                $"RandomContrast: factor must be a number or a pair of numbers in [0, 1]; got {factor}."));
        Lower = lower;
        Upper = upper;
        var range = valueRange ?? DefaultValueRange;
        if (!double.IsFinite(range.Low) || !double.IsFinite(range.High) || range.Low >= range.High)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"RandomContrast: valueRange must be two finite numbers (low, high) with low < high; got ({range.Low}, {range.High})."), nameof(valueRange));
        ValueRange = range;
    }

    /// <summary>How far below 1 the factor may go.</summary>
    public double Lower { get; }

    /// <summary>How far above 1 the factor may go.</summary>
    public double Upper { get; }

    /// <summary>The range of the pixel values; the output is clipped to it.</summary>
    public (double Low, double High) ValueRange { get; }

    private protected override Tensor Augment(Tensor images)
    {
        int n = images.Shape[0];
        var factors = new float[n];
        for (int i = 0; i < n; i++) factors[i] = (float)Uniform(1 - Lower, 1 + Upper);
        var mean = Ops.Mean(images, [1, 2], keepDims: true);
        var adjusted = (images - mean) * Tensor.FromArray(factors, n, 1, 1, 1) + mean;
        return Ops.Clip(adjusted, (float)ValueRange.Low, (float)ValueRange.High);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Lower, Upper);
        config["value_range"] = new JsonArray(ValueRange.Low, ValueRange.High);
        config["seed"] = Seed;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static RandomContrast FromConfig(JsonObject config)
    {
        var r = Reader(config, nameof(RandomContrast));
        (double, double)? range = r.TryGet("value_range", out var valueRange) && valueRange is JsonArray { Count: 2 } v ? (r.Value<double>("value_range", v[0]), r.Value<double>("value_range", v[1])) : null;
        return r.Finish(new RandomContrast(FactorRange.Read(r, "factor") ?? throw r.Missing("factor"), range, r.Nullable<long>("seed"), r.Name, r.InputShape));
    }
}

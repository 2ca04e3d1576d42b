using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Leaky rectified linear unit, as Keras' <c>LeakyReLU</c>: <c>x</c> for x ≥ 0 and <c>negativeSlope · x</c>
/// otherwise, so that units below zero still pass a gradient (the usual choice in GAN discriminators and
/// generators). Keras' default slope is 0.3; GAN papers use 0.2.
/// </summary>
public sealed class LeakyReLU : Layer
{
    /// <summary>Keras' default slope of the LeakyReLU layer (its activation function's default is 0.2).</summary>
    private const float DefaultNegativeSlope = 0.3f;

    /// <summary>Creates the layer.</summary>
    /// <param name="negativeSlope">The slope for negative inputs (Keras 2 called it alpha); finite and ≥ 0.</param>
    /// <param name="name">Layer name (default "leaky_re_lu", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public LeakyReLU(float negativeSlope = DefaultNegativeSlope, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        if (!float.IsFinite(negativeSlope) || negativeSlope < 0)
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope,
                $"LeakyReLU: negativeSlope must be a finite number >= 0; got {negativeSlope}.");
        NegativeSlope = negativeSlope;
    }

    /// <summary>The slope for negative inputs.</summary>
    public float NegativeSlope { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "leaky_re_lu";

    /// <inheritdoc/>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.LeakyRelu(inputs, NegativeSlope);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["negative_slope"] = NegativeSlope;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static LeakyReLU FromConfig(JsonObject config)
    {
        // Keras 3 saves "negative_slope"; Keras 2 saved the same number as "alpha".
        var r = LayerConfigReader.ForLayer(config, nameof(LeakyReLU));
        if (r.Has("negative_slope") && r.Has("alpha"))
            throw new FormatException($"{r.Owner}: the saved configuration has both 'negative_slope' and 'alpha' (the same argument under its Keras 3 and Keras 2 names); keep one.");
        return r.Finish(new LeakyReLU(r.Optional("negative_slope", r.Optional("alpha", DefaultNegativeSlope)), r.Name, r.InputShape));
    }
}

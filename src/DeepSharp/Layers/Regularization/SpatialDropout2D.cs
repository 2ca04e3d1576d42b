using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Spatial dropout over channels-last images, as Keras' <c>SpatialDropout2D</c>: during training whole feature
/// maps (channels) are zeroed with probability <see cref="Rate"/>, one draw per sample and channel, and the
/// rest scaled by 1 / (1 − rate). Neighbouring pixels are strongly correlated, so dropping single pixels
/// (plain dropout) regularizes convolutions little. At inference it passes inputs through.
/// </summary>
public sealed class SpatialDropout2D : Layer
{
    private readonly RandomGenerator _random;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of channels to drop, in [0, 1).</param>
    /// <param name="seed">Seed for the masks; by default drawn from the global generator.</param>
    /// <param name="name">Layer name (default "spatial_dropout2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public SpatialDropout2D(double rate, long? seed = null, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"SpatialDropout2D: rate must be in [0, 1); got {rate}.");
        Rate = (float)rate;
        Seed = seed;
        _random = AddRandomGenerator(seed);
    }

    /// <summary>Fraction of channels dropped during training.</summary>
    public float Rate { get; }

    /// <summary>The seed given, if any.</summary>
    public long? Seed { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "spatial_dropout2d";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown (one mask per channel).</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    internal override bool IsIdentityAtInference => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        if (!training || Rate == 0) return inputs;
        var shape = inputs.Shape;
        return Ops.Dropout(inputs, Rate, new TensorShape(shape[0], 1, 1, shape[3]), _random);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["seed"] = Seed;
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static SpatialDropout2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(SpatialDropout2D));
        return r.Finish(new SpatialDropout2D(r.Required<float>("rate"), r.Nullable<long>("seed"), r.Name, r.InputShape));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Randomly zeroes a fraction <see cref="Rate"/> of the inputs during training and scales the rest by
/// 1 / (1 − rate), as Keras' <c>Dropout</c>; at inference it passes inputs through unchanged.
/// </summary>
public sealed class Dropout : Layer
{
    private readonly RandomGenerator _random;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of inputs to drop, in [0, 1).</param>
    /// <param name="seed">Seed for the masks; by default drawn from the global generator.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public Dropout(double rate, long? seed = null, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"Dropout: rate must be in [0, 1); got {rate}.");
        Rate = (float)rate;
        Seed = seed;
        _random = AddRandomGenerator(seed);
    }

    /// <summary>Fraction of inputs dropped during training.</summary>
    public float Rate { get; }

    /// <summary>The seed given, if any.</summary>
    public long? Seed { get; }

    /// <summary>The generator the masks come from (a fused op that takes this layer in draws from it too).</summary>
    internal RandomGenerator Random => _random;

    /// <inheritdoc/>
    /// <remarks>Dropout keeps the shape: any dimension may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

    /// <inheritdoc/>
    internal override bool IsIdentityAtInference => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        training && Rate > 0 ? Ops.Dropout(inputs, Rate, _random) : inputs;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["seed"] = Seed;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Dropout FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Dropout));
        return r.Finish(new Dropout(r.Required<float>("rate"), r.Nullable<long>("seed"), r.Name, r.InputShape));
    }
}

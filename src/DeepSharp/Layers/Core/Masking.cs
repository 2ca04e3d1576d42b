using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Marks padded time steps, as Keras' <c>Masking</c>: a step whose features all equal <see cref="MaskValue"/>
/// is masked; its features are set to zero and the recurrent layers that follow (in a <see cref="Sequential"/>)
/// skip it, keeping their state and outputting zeros there.
/// </summary>
public sealed class Masking : Layer, IMaskingLayer
{
    private const float DefaultMaskValue = 0f;

    /// <summary>Creates the layer.</summary>
    /// <param name="maskValue">The value that marks padding (0 by default).</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape [timesteps, features] when this is a model's first layer.</param>
    public Masking(float maskValue = DefaultMaskValue, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        MaskValue = maskValue;
    }

    /// <summary>The value that marks padding.</summary>
    public float MaskValue { get; }

    /// <inheritdoc/>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 2)
            throw new ArgumentException($"Layer '{Name}' (Masking) expects 3-D input [batch, timesteps, features]; received {FormatBatch(inputShape)}.");
        return inputShape;
    }

    /// <summary>The step mask of <paramref name="inputs"/>: 1 where any feature differs from <see cref="MaskValue"/>.</summary>
    public Tensor ComputeMask(Tensor inputs)
    {
        using (Autograd.NoGrad()) return Ops.Max(Ops.NotEqual(inputs, MaskValue), -1);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => inputs * Ops.Unsqueeze(ComputeMask(inputs), -1);

    Tensor IMaskingLayer.CallMasked(Tensor inputs, ref Tensor? mask, bool training)
    {
        var output = Call(inputs, training);
        var own = ComputeMask(inputs);
        mask = mask is null ? own : mask * own;
        return output;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["mask_value"] = MaskValue;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Masking FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Masking));
        return r.Finish(new Masking(r.Optional("mask_value", DefaultMaskValue), r.Name, r.InputShape));
    }
}

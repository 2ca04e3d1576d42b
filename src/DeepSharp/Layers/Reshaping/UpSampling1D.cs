using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Repeats each step of channels-last sequences, as Keras' <c>UpSampling1D</c>: (batch, steps, c) becomes
/// (batch, steps·size, c), step t appearing at t·size … t·size + size − 1.
/// </summary>
public sealed class UpSampling1D : Layer
{
    private const int SizeByDefault = 2;

    /// <summary>Creates the layer.</summary>
    /// <param name="size">How many times each step is repeated; 2 by default.</param>
    /// <param name="name">Layer name (default "up_sampling1d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
    public UpSampling1D(int size = SizeByDefault, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        if (size <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"UpSampling1D: size must be a positive integer; got {size}.");
        Size = size;
    }

    /// <summary>How many times each step is repeated.</summary>
    public int Size { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "up_sampling1d";

    /// <inheritdoc/>
    /// <remarks>The steps may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireSpatial(this, inputShape, 1);
        return [inputShape[0] * Size, inputShape[1]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.Repeat(inputs, Size, axis: 1);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["size"] = Size;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static UpSampling1D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(UpSampling1D));
        return r.Finish(new UpSampling1D(r.Optional("size", SizeByDefault), r.Name, r.InputShape));
    }
}

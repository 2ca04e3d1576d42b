using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The mean of each channel over all pixels, as Keras' <c>GlobalAveragePooling2D</c>: (batch, h, w, c) becomes
/// (batch, c), or (batch, 1, 1, c) with <see cref="KeepDims"/>.
/// </summary>
public sealed class GlobalAveragePooling2D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="keepDims">Keep the spatial axes as size 1.</param>
    /// <param name="name">Layer name (default "global_average_pooling2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public GlobalAveragePooling2D(bool keepDims = false, string? name = null, TensorShape? inputShape = null) : base(name, inputShape) =>
        KeepDims = keepDims;

    /// <summary>Whether the spatial axes are kept as size 1.</summary>
    public bool KeepDims { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "global_average_pooling2d";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return KeepDims ? [1, 1, inputShape[2]] : [inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.Mean(inputs, [1, 2], KeepDims);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        config["keepdims"] = KeepDims;
        return config;
    }
}

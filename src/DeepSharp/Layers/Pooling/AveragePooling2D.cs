using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Average pooling over channels-last images, as Keras' <c>AveragePooling2D</c>: the mean of each window, per
/// channel. With "same" padding a window at the border averages only the pixels inside the image (as
/// Keras/TensorFlow; PyTorch's default counts the padding).
/// </summary>
/// <param name="poolSize">Window size: one integer for a square window, or (height, width); 2 by default.</param>
/// <param name="strides">Step between windows; the pool size by default.</param>
/// <param name="padding">"valid" or "same".</param>
/// <param name="name">Layer name (default "average_pooling2d", ...).</param>
/// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
public sealed class AveragePooling2D(Size2D? poolSize = null, Size2D? strides = null, string padding = ImageLayers.ValidPadding, string? name = null, PartialShape? inputShape = null)
    : Pooling2D(PoolingMode.Average, poolSize, strides, padding, name, inputShape)
{
    /// <inheritdoc/>
    protected override string DefaultName => "average_pooling2d";

    /// <summary>Recreates the layer from the configuration <see cref="PoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static AveragePooling2D FromConfig(JsonObject config) => FromConfig(config, static (pool, strides, padding, name, shape) => new AveragePooling2D(pool, strides, padding, name, shape));
}

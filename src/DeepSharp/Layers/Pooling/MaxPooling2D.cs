using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max pooling over channels-last images, as Keras' <c>MaxPooling2D</c>: the largest value of each window,
/// per channel. Backward sends each window's gradient to the element that was its maximum.
/// </summary>
/// <param name="poolSize">Window size: one integer for a square window, or (height, width); 2 by default.</param>
/// <param name="strides">Step between windows; the pool size by default.</param>
/// <param name="padding">"valid" or "same" (padding is never the maximum).</param>
/// <param name="name">Layer name (default "max_pooling2d", ...).</param>
/// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
public sealed class MaxPooling2D(Size2D? poolSize = null, Size2D? strides = null, string padding = ImageLayers.ValidPadding, string? name = null, PartialShape? inputShape = null)
    : Pooling2D(PoolingMode.Max, poolSize, strides, padding, name, inputShape)
{
    /// <inheritdoc/>
    protected override string DefaultName => "max_pooling2d";

    /// <summary>Recreates the layer from the configuration <see cref="PoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static MaxPooling2D FromConfig(JsonObject config) => FromConfig(config, static (pool, strides, padding, name, shape) => new MaxPooling2D(pool, strides, padding, name, shape));
}

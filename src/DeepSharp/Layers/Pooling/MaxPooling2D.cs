using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max pooling over channels-last images, as Keras' <c>MaxPooling2D</c>: the largest value of each window,
/// per channel. Backward sends each window's gradient to the element that was its maximum.
/// </summary>
public sealed class MaxPooling2D : Pooling2D
{
    /// <summary>Creates the layer; arguments and defaults as Keras' MaxPooling2D.</summary>
    /// <param name="poolSize">Window size: one integer for a square window, or (height, width); 2 by default.</param>
    /// <param name="strides">Step between windows; the pool size by default.</param>
    /// <param name="padding">"valid" or "same" (padding is never the maximum).</param>
    /// <param name="name">Layer name (default "max_pooling2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public MaxPooling2D(Size2D? poolSize = null, Size2D? strides = null, string padding = ImageLayers.ValidPadding, string? name = null, TensorShape? inputShape = null)
        : base(poolSize, strides, padding, name, inputShape)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "max_pooling2d";

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.MaxPool2D(inputs, PoolSize, Strides, SamePadding, Label);

    /// <summary>Recreates the layer from the configuration <see cref="Pooling2D.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static MaxPooling2D FromConfig(JsonObject config) =>
        FromConfig(config, static (poolSize, strides, padding, name, inputShape) => new MaxPooling2D(poolSize, strides, padding, name, inputShape));
}

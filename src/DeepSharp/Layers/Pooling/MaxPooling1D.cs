using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max pooling over channels-last sequences, as Keras' <c>MaxPooling1D</c>: the largest value of each window of steps,
/// per channel. Backward sends each window's gradient to the step that was its maximum.
/// </summary>
/// <param name="poolSize">Window length; 2 by default.</param>
/// <param name="strides">Step between windows; the pool size by default.</param>
/// <param name="padding">"valid" or "same" (padding is never the maximum).</param>
/// <param name="name">Layer name (default "max_pooling1d", ...).</param>
/// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
public sealed class MaxPooling1D(int poolSize = Pooling1D.PoolSizeByDefault, int? strides = null, string padding = ImageLayers.ValidPadding,
    string? name = null, PartialShape? inputShape = null)
    : Pooling1D(PoolingMode.Max, poolSize, strides, padding, name, inputShape)
{
    /// <inheritdoc/>
    protected override string DefaultName => "max_pooling1d";

    /// <summary>Recreates the layer from the configuration <see cref="PoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static MaxPooling1D FromConfig(JsonObject config) =>
        FromConfig(config, static (pool, strides, padding, name, shape) => new MaxPooling1D(pool, strides, padding, name, shape));
}

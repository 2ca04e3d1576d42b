using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Average pooling over channels-last sequences, as Keras' <c>AveragePooling1D</c>: the mean of each window of steps,
/// per channel. With "same" padding a window at an end averages only the steps inside the sequence (as Keras/TensorFlow).
/// </summary>
/// <param name="poolSize">Window length; 2 by default (Keras asks for it).</param>
/// <param name="strides">Step between windows; the pool size by default.</param>
/// <param name="padding">"valid" or "same".</param>
/// <param name="name">Layer name (default "average_pooling1d", ...).</param>
/// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
public sealed class AveragePooling1D(int poolSize = Pooling1D.PoolSizeByDefault, int? strides = null, string padding = ImageLayers.ValidPadding,
    string? name = null, PartialShape? inputShape = null)
    : Pooling1D(PoolingMode.Average, poolSize, strides, padding, name, inputShape)
{
    /// <inheritdoc/>
    protected override string DefaultName => "average_pooling1d";

    /// <summary>Recreates the layer from the configuration <see cref="PoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static AveragePooling1D FromConfig(JsonObject config) =>
        FromConfig(config, static (pool, strides, padding, name, shape) => new AveragePooling1D(pool, strides, padding, name, shape));
}

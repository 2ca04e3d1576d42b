using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The largest value of each channel over all pixels, as Keras' <c>GlobalMaxPooling2D</c>: (batch, h, w, c) becomes
/// (batch, c), or (batch, 1, 1, c) with <see cref="GlobalPoolingLayer.KeepDims"/>. The gradient goes to the first largest pixel.
/// </summary>
/// <param name="keepDims">Keep the spatial axes as size 1.</param>
/// <param name="name">Layer name (default "global_max_pooling2d", ...).</param>
/// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
public sealed class GlobalMaxPooling2D(bool keepDims = GlobalPoolingLayer.KeepDimsByDefault, string? name = null, PartialShape? inputShape = null)
    : GlobalPoolingLayer(PoolingMode.Max, 2, keepDims, name, inputShape)
{
    /// <inheritdoc/>
    protected override string DefaultName => "global_max_pooling2d";

    /// <summary>Recreates the layer from the configuration <see cref="GlobalPoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static GlobalMaxPooling2D FromConfig(JsonObject config) => FromConfig(config, static (keepDims, name, inputShape) => new GlobalMaxPooling2D(keepDims, name, inputShape));
}

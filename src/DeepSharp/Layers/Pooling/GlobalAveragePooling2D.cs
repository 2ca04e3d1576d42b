using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The mean of each channel over all pixels, as Keras' <c>GlobalAveragePooling2D</c>: (batch, h, w, c) becomes
/// (batch, c), or (batch, 1, 1, c) with <see cref="GlobalPoolingLayer.KeepDims"/>.
/// </summary>
/// <param name="keepDims">Keep the spatial axes as size 1.</param>
/// <param name="name">Layer name (default "global_average_pooling2d", ...).</param>
/// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
public sealed class GlobalAveragePooling2D(bool keepDims = GlobalPoolingLayer.KeepDimsByDefault, string? name = null, PartialShape? inputShape = null)
    : GlobalPoolingLayer(PoolingMode.Average, 2, keepDims, name, inputShape)
{
    /// <inheritdoc/>
    protected override string DefaultName => "global_average_pooling2d";

    /// <summary>Recreates the layer from the configuration <see cref="GlobalPoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static GlobalAveragePooling2D FromConfig(JsonObject config) => FromConfig(config, static (keepDims, name, inputShape) => new GlobalAveragePooling2D(keepDims, name, inputShape));
}

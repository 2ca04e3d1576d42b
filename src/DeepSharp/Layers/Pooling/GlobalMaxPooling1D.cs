using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The largest value of each channel over all steps, as Keras' <c>GlobalMaxPooling1D</c>: (batch, steps, c) becomes
/// (batch, c), or (batch, 1, c) with <see cref="GlobalPoolingLayer.KeepDims"/>. The gradient goes to the first largest step.
/// </summary>
/// <param name="keepDims">Keep the steps axis as size 1.</param>
/// <param name="name">Layer name (default "global_max_pooling1d", ...).</param>
/// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
public sealed class GlobalMaxPooling1D(bool keepDims = GlobalPoolingLayer.KeepDimsByDefault, string? name = null, PartialShape? inputShape = null)
    : GlobalPoolingLayer(PoolingMode.Max, 1, keepDims, name, inputShape)
{
    /// <inheritdoc/>
    protected override string DefaultName => "global_max_pooling1d";

    /// <summary>Recreates the layer from the configuration <see cref="GlobalPoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static GlobalMaxPooling1D FromConfig(JsonObject config) =>
        FromConfig(config, static (keepDims, name, inputShape) => new GlobalMaxPooling1D(keepDims, name, inputShape));
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The mean of each channel over all steps, as Keras' <c>GlobalAveragePooling1D</c>: (batch, steps, c) becomes
/// (batch, c), or (batch, 1, c) with <see cref="GlobalPoolingLayer.KeepDims"/>. Behind an <see cref="Embedding"/> with
/// maskZero (or a <see cref="Masking"/> layer) in a <see cref="Sequential"/> model it averages the unmasked steps only,
/// as Keras does; the mask ends here.
/// </summary>
/// <param name="keepDims">Keep the steps axis as size 1.</param>
/// <param name="name">Layer name (default "global_average_pooling1d", ...).</param>
/// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
public sealed class GlobalAveragePooling1D(bool keepDims = GlobalPoolingLayer.KeepDimsByDefault, string? name = null, PartialShape? inputShape = null)
    : GlobalPoolingLayer(PoolingMode.Average, 1, keepDims, name, inputShape), IMaskingLayer
{
    private Tensor? _callMask;

    /// <inheritdoc/>
    protected override string DefaultName => "global_average_pooling1d";

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        if (_callMask is not { } mask) return base.Forward(inputs, training);
        if (mask.Shape != new TensorShape(inputs.Shape[0], inputs.Shape[1]))
            throw new ArgumentException(
                $"{Label}: the mask must be [batch, steps] = ({inputs.Shape[0]}, {inputs.Shape[1]}) for inputs {inputs.Shape}; got {mask.Shape}.");
        // Σ over the unmasked steps / their count (Keras: where(mask, x, 0) summed, divided by the mask's sum).
        var weights = Ops.Reshape(mask, inputs.Shape[0], inputs.Shape[1], 1);
        return Ops.Divide(Ops.Sum(inputs * weights, 1, KeepDims), Ops.Sum(weights, 1, KeepDims));
    }

    /// <summary>Averages over the steps <paramref name="mask"/> keeps; the output has no mask.</summary>
    Tensor IMaskingLayer.CallMasked(Tensor inputs, ref Tensor? mask, bool training)
    {
        _callMask = mask;
        try
        {
            return Call(inputs, training);
        }
        finally
        {
            _callMask = null;
            mask = null;
        }
    }

    /// <summary>Recreates the layer from the configuration <see cref="GlobalPoolingLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static GlobalAveragePooling1D FromConfig(JsonObject config) =>
        FromConfig(config, static (keepDims, name, inputShape) => new GlobalAveragePooling1D(keepDims, name, inputShape));
}

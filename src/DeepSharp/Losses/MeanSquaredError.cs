namespace DeepSharp;

/// <summary>Mean of squared errors, as Keras' <c>MeanSquaredError</c>.</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => Ops.MeanSquaredError(targets, predictions);
}

namespace DeepSharp;

/// <summary>Mean of absolute errors, as Keras' <c>MeanAbsoluteError</c>.</summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => Ops.MeanAbsoluteError(targets, predictions);
}

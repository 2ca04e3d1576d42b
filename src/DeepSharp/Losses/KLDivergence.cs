namespace DeepSharp;

/// <summary>Kullback–Leibler divergence of predictions from targets, as Keras' <c>KLDivergence</c>.</summary>
public sealed class KLDivergence : Loss
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";

    /// <inheritdoc/>
    protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => Ops.KLDivergence(targets, predictions);
}

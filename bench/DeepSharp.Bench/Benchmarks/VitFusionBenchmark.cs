using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's fused paths against the separate ops they replaced (<see cref="VitSwitchBenchmark"/>): a Dense layer's bias
/// and activation in its product (<see cref="DenseBiasActivation.Enabled"/>; off at start with
/// <c>DEEPSHARP_DENSE=separate</c>) and self-attention's three projections as one product with its weights and context
/// as one op (<see cref="MultiHeadAttention.SelfAttentionFused"/>; <c>DEEPSHARP_SELF_ATTENTION=separate</c>).
/// </summary>
internal sealed class VitFusionBenchmark : VitSwitchBenchmark
{
    private static readonly bool DenseAtStart = DenseBiasActivation.Enabled, SelfAttentionAtStart = MultiHeadAttention.SelfAttentionFused;

    public override string Name => "vit-fusion";
    protected override string Sides => "fused vs separate";
    protected override string OffName => "separate ops";

    protected override void Switch(bool on)
    {
        DenseBiasActivation.Enabled = on && DenseAtStart;
        MultiHeadAttention.SelfAttentionFused = on && SelfAttentionAtStart;
    }
}

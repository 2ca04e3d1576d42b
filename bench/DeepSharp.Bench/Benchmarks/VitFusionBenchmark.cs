using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's fused paths against the separate ops they replaced (<see cref="VitSwitchBenchmark"/>): a Dense layer's bias
/// and activation in its product (<see cref="DenseBiasActivation.Enabled"/>; off at start with
/// <c>DEEPSHARP_DENSE=separate</c>) and self-attention's three projections as one product with its weights and context
/// as one op (<see cref="MultiHeadAttention.SelfAttentionFused"/>; <c>DEEPSHARP_SELF_ATTENTION=separate</c>).
/// </summary>
internal sealed class VitFusionBenchmark() : VitSwitchBenchmark("vit-fusion", "fused vs separate", "separate ops",
    new(() => DenseBiasActivation.Enabled, on => DenseBiasActivation.Enabled = on),
    new(() => MultiHeadAttention.SelfAttentionFused, on => MultiHeadAttention.SelfAttentionFused = on));

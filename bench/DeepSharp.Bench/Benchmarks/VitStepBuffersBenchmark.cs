using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step with both buffer reuses of issue 19's session 13 on against off, alternating in one process
/// (<see cref="VitSwitchBenchmark"/>): each residual sum written into its branch's buffer
/// (<see cref="LayerNormalization.SumIntoOperand"/>) and the GELU Dense's dz over dy
/// (<see cref="DenseBiasActivation.GradientOverDy"/>), against new pooled buffers. No value changes.
/// </summary>
internal sealed class VitStepBuffersBenchmark() : VitSwitchBenchmark("vit-step-buffers", "sums into branches, dz over dy vs new buffers", "new buffers",
    new LibrarySwitch(() => LayerNormalization.SumIntoOperand, on => LayerNormalization.SumIntoOperand = on),
    new LibrarySwitch(() => DenseBiasActivation.GradientOverDy, on => DenseBiasActivation.GradientOverDy = on));

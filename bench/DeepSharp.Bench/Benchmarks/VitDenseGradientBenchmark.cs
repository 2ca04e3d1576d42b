using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step with the GELU Dense's activation gradient written over dy (<see cref="DenseBiasActivation.GradientOverDy"/>;
/// off at start with <c>DEEPSHARP_DENSE_DZ=separate</c>) against a new pooled buffer, alternating in one process
/// (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitDenseGradientBenchmark() : VitSwitchBenchmark("vit-dense-dz", "dz over dy vs new buffer", "new buffer",
    new LibrarySwitch(() => DenseBiasActivation.GradientOverDy, on => DenseBiasActivation.GradientOverDy = on));

using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step with the GELU Dense's gradient pass asking for z's rows ahead (<see cref="DenseBiasActivation.PrefetchZ"/>;
/// off at start with <c>DEEPSHARP_DENSE_Z_PREFETCH=off</c>) against not, alternating in one process (<see cref="VitSwitchBenchmark"/>).
/// No value changes.
/// </summary>
internal sealed class VitDenseZPrefetchBenchmark() : VitSwitchBenchmark("vit-dense-z-prefetch", "z rows ahead vs none", "no prefetch",
    new LibrarySwitch(() => DenseBiasActivation.PrefetchZ, on => DenseBiasActivation.PrefetchZ = on));

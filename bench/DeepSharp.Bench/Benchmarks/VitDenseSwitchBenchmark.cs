using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with session 10's Dense-product paths on against off (<see cref="VitSwitchBenchmark"/>): the kernel cut
/// into the input gradient's transposed panels once per backward rather than by each group of rows
/// (<see cref="DenseRowGroups.PackKernelOnce"/>; off at start with <c>DEEPSHARP_DENSE_PACKING=group</c>) and the kernel
/// gradient's partials added on every thread (<see cref="DenseRowGroups.ParallelSums"/>; <c>DEEPSHARP_DENSE_SUMS=serial</c>).
/// Both keep every bit: the two sides do the same step.
/// </summary>
internal sealed class VitDenseSwitchBenchmark() : VitSwitchBenchmark("vit-dense-switch", "on vs off", "switches off",
    new(() => DenseRowGroups.PackKernelOnce, on => DenseRowGroups.PackKernelOnce = on),
    new(() => DenseRowGroups.ParallelSums, on => DenseRowGroups.ParallelSums = on));

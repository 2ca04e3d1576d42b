using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's scheduling switches on against off (<see cref="VitSwitchBenchmark"/>): the worker pool's blocks of items per
/// thread (<see cref="WorkerPool.Blocks"/>; off at start with <c>DEEPSHARP_WORKERS=shared</c>: items handed to whichever
/// thread asks next) and a Dense layer's two gradient products as one job
/// (<see cref="DenseBiasActivation.GradientsTogether"/>; <c>DEEPSHARP_DENSE_GRADIENTS=separate</c>: one after the other).
/// </summary>
internal sealed class VitSchedulingBenchmark() : VitSwitchBenchmark("vit-scheduling", "on vs off", "switches off",
    new(() => WorkerPool.Blocks, on => WorkerPool.Blocks = on),
    new(() => DenseBiasActivation.GradientsTogether, on => DenseBiasActivation.GradientsTogether = on));

using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with its patch embedding's new paths in the direct kernel on against off, alternating
/// (<see cref="VitSwitchBenchmark"/>): rows of 4 patches taken two at a time forward (<see cref="DirectConvolution.PairRows"/>;
/// off at start with <c>DEEPSHARP_DIRECT_PAIRS=off</c>; same bits) and the kernel gradient summed over runs of 16 images
/// (<see cref="DirectConvolution.ImageRuns"/>; <c>DEEPSHARP_DIRECT_IMAGES=single</c>; sums in another order).
/// </summary>
internal sealed class VitPatchSwitchBenchmark() : VitSwitchBenchmark("vit-patch-switch", "on vs off", "switches off",
    new(() => DirectConvolution.PairRows, on => DirectConvolution.PairRows = on),
    new(() => DirectConvolution.ImageRuns, on => DirectConvolution.ImageRuns = on));

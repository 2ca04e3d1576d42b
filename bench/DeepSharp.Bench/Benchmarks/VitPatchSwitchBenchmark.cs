using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with its patch embedding's rows of 4 patches taken two at a time by the direct kernel
/// (<see cref="DirectConvolution.PairRows"/>; off at start with <c>DEEPSHARP_DIRECT_PAIRS=off</c>) against one pixel at a
/// time, alternating (<see cref="VitSwitchBenchmark"/>). The two sides compute the same bits.
/// </summary>
internal sealed class VitPatchSwitchBenchmark() : VitSwitchBenchmark("vit-patch-switch", "pairs vs single rows", "single rows",
    new LibrarySwitch(() => DirectConvolution.PairRows, on => DirectConvolution.PairRows = on));

using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with its patch embedding (a 7×7 stride-7 convolution of one channel) on the GEMM path against the direct
/// kernel (<see cref="PatchConvolution.Enabled"/>; off at start with <c>DEEPSHARP_PATCH_CONVOLUTION=direct</c>),
/// alternating (<see cref="VitSwitchBenchmark"/>).
/// </summary>
internal sealed class VitPatchSwitchBenchmark() : VitSwitchBenchmark("vit-patch-switch", "gemm vs direct", "direct",
    new LibrarySwitch(() => PatchConvolution.Enabled, on => PatchConvolution.Enabled = on));

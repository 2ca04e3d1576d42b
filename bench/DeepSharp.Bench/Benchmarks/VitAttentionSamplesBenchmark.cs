using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with self-attention taken a sample at a time (<see cref="AttentionKernel.Samples"/>; off at start with
/// <c>DEEPSHARP_ATTENTION_SAMPLES=off</c>) against pair by pair in 16 × 16 tiles, alternating in one process
/// (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitAttentionSamplesBenchmark() : VitSwitchBenchmark("vit-attention-samples", "samples vs pairs", "pairs",
    new LibrarySwitch(() => AttentionKernel.Samples, on => AttentionKernel.Samples = on));

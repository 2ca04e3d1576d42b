using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with self-attention's pairs prefetching a share of the next sample's rows
/// (<see cref="AttentionKernel.PrefetchNextSample"/>; off at start with <c>DEEPSHARP_ATTENTION_PREFETCH=off</c>) against
/// without, alternating (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitPrefetchBenchmark() : VitSwitchBenchmark("vit-prefetch", "prefetch vs none", "no prefetch",
    new LibrarySwitch(() => AttentionKernel.PrefetchNextSample, on => AttentionKernel.PrefetchNextSample = on));

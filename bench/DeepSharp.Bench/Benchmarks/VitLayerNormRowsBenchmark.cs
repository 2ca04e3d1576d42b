using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step with its layer normalizations asking for a later block a row at a time
/// (<see cref="LayerNormKernel.PrefetchRows"/>; off at start with <c>DEEPSHARP_LAYER_NORM_PREFETCH=block</c>) against the
/// next block's lines all at once, alternating in one process (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitLayerNormRowsBenchmark() : VitSwitchBenchmark("vit-layer-norm-rows", "rows ahead vs next block", "next block",
    new LibrarySwitch(() => LayerNormKernel.PrefetchRows, on => LayerNormKernel.PrefetchRows = on));

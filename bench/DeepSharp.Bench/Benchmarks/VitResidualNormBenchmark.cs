using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's residual adds and layer normalizations with this session's paths on against off (<see cref="VitSwitchBenchmark"/>):
/// each residual add and the layer normalization of its sum as one op (<see cref="LayerNormalization.FusesResidual"/>; off at
/// start with <c>DEEPSHARP_RESIDUAL_NORM=separate</c>) and the blocks of 16 rows asking for the next block's lines
/// (<see cref="LayerNormKernel.PrefetchNextBlock"/>; <c>DEEPSHARP_LAYER_NORM_PREFETCH=off</c>). No value changes.
/// </summary>
internal sealed class VitResidualNormBenchmark() : VitSwitchBenchmark("vit-residual-norm", "on vs off", "switches off",
    new(() => LayerNormalization.FusesResidual, on => LayerNormalization.FusesResidual = on),
    new(() => LayerNormKernel.PrefetchNextBlock, on => LayerNormKernel.PrefetchNextBlock = on));

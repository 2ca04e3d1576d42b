using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with self-attention's 16 × 16 products kept in registers through the softmax and its gradient
/// (<see cref="AttentionKernel.Tiles"/>; off at start with <c>DEEPSHARP_ATTENTION_TILES=off</c>) and the kept weights written with non-temporal stores (<see cref="AttentionKernel.StreamWeights"/>;
/// <c>DEEPSHARP_ATTENTION_STREAM=off</c>) against the key-major pair path, alternating (<see cref="VitSwitchBenchmark"/>).
/// With <see cref="AttentionKernel.Samples"/> on (the default), the tiles' side runs the vit's pairs a sample at a time.
/// No value changes.
/// </summary>
internal sealed class VitAttentionBenchmark() : VitSwitchBenchmark("vit-attention", "tiles vs pairs", "pairs",
    new LibrarySwitch(() => AttentionKernel.Tiles, on => AttentionKernel.Tiles = on),
    new LibrarySwitch(() => AttentionKernel.StreamWeights, on => AttentionKernel.StreamWeights = on));

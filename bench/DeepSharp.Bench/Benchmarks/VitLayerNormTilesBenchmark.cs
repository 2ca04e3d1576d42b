using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step with its layer normalizations in tiles of 16 rows by 64 columns (<see cref="LayerNormKernel.Tiles"/>;
/// off at start with <c>DEEPSHARP_LAYER_NORM_TILES=off</c>) against the blocks of 16 rows, alternating in one process
/// (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitLayerNormTilesBenchmark() : VitSwitchBenchmark("vit-layer-norm-tiles", "tiles vs blocks", "blocks",
    new LibrarySwitch(() => LayerNormKernel.Tiles, on => LayerNormKernel.Tiles = on));

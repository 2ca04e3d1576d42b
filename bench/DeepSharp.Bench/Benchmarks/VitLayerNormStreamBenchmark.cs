using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step with its residual add + layer norm writing the sum with streaming stores
/// (<see cref="LayerNormKernel.StreamSum"/>; off at start with <c>DEEPSHARP_LAYER_NORM_STREAM=off</c>) against ordinary
/// stores, alternating in one process (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitLayerNormStreamBenchmark() : VitSwitchBenchmark("vit-layer-norm-stream", "streamed sum vs stored", "stored",
    new LibrarySwitch(() => LayerNormKernel.StreamSum, on => LayerNormKernel.StreamSum = on),
    new LibrarySwitch(() => LayerNormKernel.StreamOutput, on => LayerNormKernel.StreamOutput = on),
    Spread())
{
    private static LibrarySwitch Spread()
    {
        int blocks = LayerNormKernel.SpreadPrefetch;
        return new LibrarySwitch(() => blocks > 0, on => LayerNormKernel.SpreadPrefetch = on ? blocks : 0);
    }
}

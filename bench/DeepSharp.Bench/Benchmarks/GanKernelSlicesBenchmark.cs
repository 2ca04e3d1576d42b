using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the convolutions' kernel-gradient items (<see cref="Convolution.SliceKernelGradient"/>):
/// each range of images cut into two slices of kernel rows, against one item a range. Both sides train the same bits.
/// </summary>
internal sealed class GanKernelSlicesBenchmark : GanSwitchBenchmark
{
    private readonly LibrarySwitch _switch = new(() => Convolution.SliceKernelGradient, on => Convolution.SliceKernelGradient = on);

    public override string Name => "gan-kernel-slices";

    protected override string Sides => "kernel-gradient slices vs whole ranges";

    protected override string OffName => "whole ranges";

    protected override void Switch(bool on) => _switch.Set(on);
}

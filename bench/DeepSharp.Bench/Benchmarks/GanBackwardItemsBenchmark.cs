using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the convolutions' backward items (<see cref="Convolution.SplitBackward"/>): the input
/// gradient in items of a few images after the kernel gradient's image ranges, against each range computing its images' input
/// gradient too. Both sides train the same bits.
/// </summary>
internal sealed class GanBackwardItemsBenchmark : GanSwitchBenchmark
{
    private readonly LibrarySwitch _switch = new(() => Convolution.SplitBackward, on => Convolution.SplitBackward = on);

    public override string Name => "gan-backward-items";

    protected override string Sides => "input-gradient items vs image ranges";

    protected override string OffName => "image ranges";

    protected override void Switch(bool on) => _switch.Set(on);
}

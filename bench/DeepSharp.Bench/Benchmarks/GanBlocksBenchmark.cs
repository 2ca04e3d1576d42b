using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the GEMM path's forward blocks (<see cref="Convolution.ForwardBlockFloats"/>): 64K
/// floats of patches a block (the discriminator's 5×5×64 convolution: 36 rows) against the earlier 24K (12 rows).
/// </summary>
internal sealed class GanBlocksBenchmark : GanSwitchBenchmark
{
    private readonly int _initial = Convolution.ForwardBlockFloats;

    public override string Name => "gan-blocks";

    protected override string Sides => "64K-float blocks vs 24K";

    protected override string OffName => "24K";

    protected override void Switch(bool on) => Convolution.ForwardBlockFloats = on ? _initial : Convolution.SmallForwardBlockFloats;
}

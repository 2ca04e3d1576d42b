using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the GEMM path's backward blocks (<see cref="Convolution.BackwardBlockFloats"/>):
/// <c>GAN_BACKWARD_BLOCK_FLOATS</c> floats a block (192K unless set) against the default 64K (the discriminator's 5×5×64
/// convolution: 36 rows).
/// </summary>
internal sealed class GanBackwardBlocksBenchmark : GanSwitchBenchmark
{
    private readonly int _initial = Convolution.BackwardBlockFloats;
    private readonly int _other = int.TryParse(Environment.GetEnvironmentVariable("GAN_BACKWARD_BLOCK_FLOATS"), out int f) ? f : 192 * 1024;

    public override string Name => "gan-backward-blocks";

    protected override string Sides => $"{_other}-float backward blocks vs {_initial}";

    protected override string OffName => $"{_initial}";

    protected override void Switch(bool on) => Convolution.BackwardBlockFloats = on ? _other : _initial;
}

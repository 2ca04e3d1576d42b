using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the GEMM path's kernel gradient (<see cref="Convolution.KernelRowSweeps"/>): one kernel
/// row at a time over runs of up to 192 output pixels, against the blocks of the input gradient (36 rows for the
/// discriminator's 5×5×64 patches). The kernel gradients' sums run in another order, so the two sides' trainings part by
/// rounding.
/// </summary>
internal sealed class GanKernelRowsBenchmark : GanSwitchBenchmark
{
    private readonly LibrarySwitch _switch = new(() => Convolution.KernelRowSweeps, on => Convolution.KernelRowSweeps = on);

    public override string Name => "gan-kernel-rows";

    protected override string Sides => "kernel-row sweeps vs blocks";

    protected override string OffName => "blocks";

    protected override void Switch(bool on) => _switch.Set(on);
}

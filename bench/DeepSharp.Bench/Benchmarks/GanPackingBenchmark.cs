using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the GEMM path's kernel packing (<see cref="Convolution.ParallelPacking"/>): on both
/// threads in a job of its own, against on the calling thread while the other waits. Only two-thread rows differ; both
/// sides train the same bits.
/// </summary>
internal sealed class GanPackingBenchmark : GanSwitchBenchmark
{
    private readonly LibrarySwitch _switch = new(() => Convolution.ParallelPacking, on => Convolution.ParallelPacking = on);

    public override string Name => "gan-packing";

    protected override string Sides => "packing on both threads vs the calling thread";

    protected override string OffName => "calling thread";

    protected override void Switch(bool on) => _switch.Set(on);
}

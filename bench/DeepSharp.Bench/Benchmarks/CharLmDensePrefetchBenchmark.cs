using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The charlm step (<see cref="CharLmBenchmark"/>'s model and windows; its Dense head's backward runs in groups of rows)
/// with each group's input rows prefetched while its input gradient computes (<see cref="DenseRowGroups.PrefetchInput"/>)
/// against without, in alternating blocks in one process (<see cref="SwitchBenchmark"/>). The same bits on both sides.
/// </summary>
internal sealed class CharLmDensePrefetchBenchmark() : SwitchBenchmark("charlm-dense-prefetch", "prefetch vs none", "no prefetch",
    new LibrarySwitch(() => DenseRowGroups.PrefetchInput, on => DenseRowGroups.PrefetchInput = on))
{
    protected override string Step => "charlm train";

    protected override TimeSpan RunLength => TimeSpan.FromMilliseconds(400);

    protected override (Tensor X, Tensor Y) Batch() => CharLmBenchmark.Windows();

    protected override Model Compiled() => CharLmBenchmark.Compiled();
}

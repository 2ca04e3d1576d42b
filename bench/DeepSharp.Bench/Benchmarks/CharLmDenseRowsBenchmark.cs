using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The charlm step (<see cref="CharLmBenchmark"/>'s model and windows) with its Dense head's backward in groups of rows
/// (<see cref="DenseRowGroups.Enabled"/>: 6,400 rows, four groups) against the gradient pass and the two whole products,
/// in alternating blocks in one process (<see cref="SwitchBenchmark"/>); the peer column is the old path.
/// </summary>
internal sealed class CharLmDenseRowsBenchmark() : SwitchBenchmark("charlm-dense-rows", "row groups vs whole products", "whole products",
    new LibrarySwitch(() => DenseRowGroups.Enabled, on => DenseRowGroups.Enabled = on))
{
    protected override string Step => "charlm train";

    protected override TimeSpan RunLength => TimeSpan.FromMilliseconds(400);

    protected override (Tensor X, Tensor Y) Batch() => CharLmBenchmark.Windows();

    protected override Model Compiled() => CharLmBenchmark.Compiled();
}

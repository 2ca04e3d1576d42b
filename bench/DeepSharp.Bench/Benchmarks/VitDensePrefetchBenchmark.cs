using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with each Dense backward group's input rows prefetched while the group's input gradient computes
/// (<see cref="DenseRowGroups.PrefetchInput"/>; off at start with <c>DEEPSHARP_DENSE_PREFETCH=off</c>) against without, in
/// alternating blocks in one process (<see cref="VitSwitchBenchmark"/>). The same bits on both sides.
/// </summary>
internal sealed class VitDensePrefetchBenchmark() : VitSwitchBenchmark("vit-dense-prefetch", "prefetch vs none", "no prefetch",
    new LibrarySwitch(() => DenseRowGroups.PrefetchInput, on => DenseRowGroups.PrefetchInput = on));

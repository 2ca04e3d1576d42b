using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with each thread cutting a Dense backward's transposed kernel panels itself
/// (<see cref="DenseRowGroups.PanelsPerThread"/>; off at start with <c>DEEPSHARP_DENSE_PANELS=shared</c>) against the
/// calling thread cutting them once while the other waits, in alternating blocks in one process
/// (<see cref="VitSwitchBenchmark"/>). The same bits on both sides; one thread runs the same code on both.
/// </summary>
internal sealed class VitDensePanelsBenchmark() : VitSwitchBenchmark("vit-dense-panels", "per thread vs shared", "shared panels",
    new LibrarySwitch(() => DenseRowGroups.PanelsPerThread, on => DenseRowGroups.PanelsPerThread = on));

using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with its GELU's Φ by <see cref="LaneMath.NormalCdf{T}"/> against ½·(1 + erf(x/√2))
/// (<see cref="GeluFunction.NormalCdfForm"/>; off at start with <c>DEEPSHARP_GELU=erf</c>), alternating
/// (<see cref="VitSwitchBenchmark"/>). Other bits: the two sides train differently from the first step on.
/// </summary>
internal sealed class VitGeluSwitchBenchmark() : VitSwitchBenchmark("vit-gelu-switch", "Φ vs erf form", "erf form",
    new LibrarySwitch(() => GeluFunction.NormalCdfForm, on => GeluFunction.NormalCdfForm = on));

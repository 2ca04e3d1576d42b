namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step (<see cref="VitBenchmark"/>'s model and batch) with some switches of the library on against
/// off, in alternating blocks in one process (<see cref="SwitchBenchmark"/>). A row names only its switches.
/// </summary>
internal abstract class VitSwitchBenchmark(string name, string sides, string offName, params LibrarySwitch[] switches)
    : SwitchBenchmark(name, sides, offName, switches)
{
    protected override string Step => "vit train";

    protected override (Tensor X, Tensor Y) Batch() => SyntheticBatch.Tensors(128, seed: 12);

    protected override Model Compiled() => CompiledForImages(DeepSharp.Examples.SeedModels.Vit(10));
}

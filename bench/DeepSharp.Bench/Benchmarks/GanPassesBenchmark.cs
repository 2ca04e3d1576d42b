using DeepSharp.Examples;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the discriminator step's order (<see cref="GanTrainer.BackwardPerBatch"/>): each
/// batch's backward pass right after its forward pass, against both forward passes and then one backward pass. Both sides
/// train the same bits.
/// </summary>
internal sealed class GanPassesBenchmark : GanSwitchBenchmark
{
    private readonly LibrarySwitch _switch = new(() => GanTrainer.BackwardPerBatch, on => GanTrainer.BackwardPerBatch = on);

    public override string Name => "gan-passes";

    protected override string Sides => "backward per batch vs joint";

    protected override string OffName => "joint";

    protected override void Switch(bool on) => _switch.Set(on);
}

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with the optimizer's variables updated as one parallel job (<c>ParameterUpdates.Together</c>) against
/// one by one (<c>DEEPSHARP_OPTIMIZER=separate</c>): most of its variables are too short to be shared out alone.
/// </summary>
internal sealed class VitOptimizerBenchmark : VitSwitchBenchmark
{
    private static readonly bool TogetherAtStart = ParameterUpdates.Together;

    public override string Name => "vit-optimizer";
    protected override string Sides => "variables together vs one by one";
    protected override string OffName => "one by one";

    protected override void Switch(bool on) => ParameterUpdates.Together = on && TogetherAtStart;
}

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed MLP's step with the optimizer's variables updated as one parallel job (<c>ParameterUpdates.Together</c>)
/// against one by one (<c>DEEPSHARP_OPTIMIZER=separate</c>).
/// </summary>
internal sealed class MlpOptimizerBenchmark : MlpSwitchBenchmark
{
    private static readonly bool TogetherAtStart = ParameterUpdates.Together;

    public override string Name => "mlp-optimizer";
    protected override string Sides => "variables together";
    protected override string OffName => "one by one";

    protected override void Switch(bool on) => ParameterUpdates.Together = on && TogetherAtStart;
}

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed MLP's step at batch <c>batch</c> (the <c>mlp</c> row's model and optimizer, one fixed batch) with the optimizer's
/// one pass over all variables (<see cref="Optimizer.StepsTogether"/>; off at start with
/// <c>DEEPSHARP_OPTIMIZER_STEP=per-variable</c>) against the update variable by variable, in alternating blocks
/// (<see cref="SwitchBenchmark"/>). The same bits either way.
/// </summary>
internal sealed class MlpOptimizerSwitchBenchmark(int batch) : SwitchBenchmark($"mlp-optimizer-switch-b{batch}", "one pass", "loop",
    new LibrarySwitch(() => Optimizer.StepsTogether, on => Optimizer.StepsTogether = on))
{
    protected override string Step => "mlp train";

    protected override TimeSpan RunLength => TimeSpan.FromMilliseconds(100);

    protected override (Tensor X, Tensor Y) Batch() => SyntheticBatch.Tensors(batch, seed: 13);

    protected override Model Compiled()
    {
        var model = DeepSharp.Examples.SeedModels.Mlp(10);
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy", ["accuracy"]);
        return model;
    }
}

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with the optimizer's one pass over all variables (<see cref="Optimizer.StepsTogether"/>; off at start with
/// <c>DEEPSHARP_OPTIMIZER_STEP=per-variable</c>) against the update variable by variable (<see cref="VitSwitchBenchmark"/>).
/// Both keep every bit: the two sides do the same step.
/// </summary>
internal sealed class VitOptimizerSwitchBenchmark() : VitSwitchBenchmark("vit-optimizer-switch", "one pass", "loop",
    new LibrarySwitch(() => Optimizer.StepsTogether, on => Optimizer.StepsTogether = on));

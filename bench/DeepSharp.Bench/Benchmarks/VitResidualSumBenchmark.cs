namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step with each residual sum written into the buffer of the branch it adds
/// (<see cref="LayerNormalization.SumIntoOperand"/>; off at start with <c>DEEPSHARP_RESIDUAL_SUM=separate</c>) against a new
/// pooled buffer, alternating in one process (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitResidualSumBenchmark() : VitSwitchBenchmark("vit-residual-sum", "sum into branch vs new buffer", "new buffer",
    new LibrarySwitch(() => LayerNormalization.SumIntoOperand, on => LayerNormalization.SumIntoOperand = on));

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with self-attention's query, key and value kernels joined along the heads axis and reshaped once
/// (<see cref="MultiHeadAttention.PackAlongHeads"/>; off at start with <c>DEEPSHARP_QKV_PACKING=flat</c>) against each
/// reshaped flat before the join, alternating (<see cref="VitSwitchBenchmark"/>). The same values either way.
/// </summary>
internal sealed class VitPackingBenchmark : VitSwitchBenchmark
{
    private static readonly bool AtStart = MultiHeadAttention.PackAlongHeads;

    public override string Name => "vit-packing";
    protected override string Sides => "along the heads vs flat";
    protected override string OffName => "flat";

    protected override void Switch(bool on) => MultiHeadAttention.PackAlongHeads = on && AtStart;
}

using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with self-attention's pairs prefetching a share of the next sample's rows
/// (<see cref="AttentionKernel.PrefetchNextSample"/>; off at start with <c>DEEPSHARP_ATTENTION_PREFETCH=off</c>) against
/// without, alternating (<see cref="VitSwitchBenchmark"/>). No value changes.
/// </summary>
internal sealed class VitPrefetchBenchmark : VitSwitchBenchmark
{
    private static readonly bool AtStart = AttentionKernel.PrefetchNextSample;

    public override string Name => "vit-prefetch";
    protected override string Sides => "prefetch vs none";
    protected override string OffName => "no prefetch";

    protected override void Switch(bool on) => AttentionKernel.PrefetchNextSample = on && AtStart;
}

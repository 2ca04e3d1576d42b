using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for the dropout masks of the discriminator's fused convolutions: kept as bits
/// (<see cref="Ops.FusedDropoutBits"/>) and drawn in chunks on the kernel threads (<see cref="BernoulliMask.InChunks"/>)
/// against float masks drawn on the calling thread. Both sides draw the same masks, so they train the same values.
/// <c>DEEPSHARP_BENCH_SWITCH</c> (a comma-separated list of <c>bits</c> and <c>chunks</c>) names those that alternate, the
/// others staying as they were at start (both alternate when unset).
/// </summary>
internal sealed class GanMaskBenchmark : GanSwitchBenchmark
{
    private readonly LibrarySwitch[] _switches = Alternating();

    private static LibrarySwitch[] Alternating()
    {
        var named = (Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_SWITCH") ?? "bits,chunks").Split(',', StringSplitOptions.TrimEntries);
        var switches = new List<LibrarySwitch>();
        if (named.Contains("bits")) switches.Add(new LibrarySwitch(() => Ops.FusedDropoutBits, on => Ops.FusedDropoutBits = on));
        if (named.Contains("chunks")) switches.Add(new LibrarySwitch(() => BernoulliMask.InChunks, on => BernoulliMask.InChunks = on));
        return [.. switches];
    }

    public override string Name => "gan-mask";

    protected override string Sides => $"mask {Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_SWITCH") ?? "bits,chunks"} vs floats, one thread";

    protected override string OffName => "floats";

    protected override void Switch(bool on)
    {
        foreach (var s in _switches) s.Set(on);
    }
}

using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// <see cref="GanSwitchBenchmark"/> for work of the DCGAN step that ran on the calling thread while the other waited, now
/// shared between threads: the logit Dense's products (<see cref="GemmThinColumn.Parallel"/>, <c>gan-thin-column</c>), batch
/// normalization's per-channel work over 6,272 channels (<see cref="BatchNormChannels.Parallel"/>, <c>gan-bn-channels</c>),
/// the noise's Box–Muller transform (<see cref="BoxMuller.InChunks"/>, <c>gan-noise</c>), or all three (<c>gan-shared</c>).
/// Only two-thread rows differ; both sides train the same bits.
/// </summary>
internal sealed class GanSharedWorkBenchmark : GanSwitchBenchmark
{
    private readonly string _name, _sides;
    private readonly LibrarySwitch? _thinColumn, _channels, _noise;

    private GanSharedWorkBenchmark(string name, string sides, bool thinColumn, bool channels, bool noise)
    {
        _name = name;
        _sides = sides;
        if (thinColumn) _thinColumn = new(() => GemmThinColumn.Parallel, on => GemmThinColumn.Parallel = on);
        if (channels) _channels = new(() => BatchNormChannels.Parallel, on => BatchNormChannels.Parallel = on);
        if (noise) _noise = new(() => BoxMuller.InChunks, on => BoxMuller.InChunks = on);
    }

    /// <summary>All three switches together.</summary>
    public static GanSharedWorkBenchmark All() => new("gan-shared", "logit, batch-norm channels and noise on both threads vs the calling thread", true, true, true);

    /// <summary>The logit Dense's products alone.</summary>
    public static GanSharedWorkBenchmark ThinColumn() => new("gan-thin-column", "logit products on both threads vs the calling thread", true, false, false);

    /// <summary>Batch normalization's per-channel work alone.</summary>
    public static GanSharedWorkBenchmark Channels() => new("gan-bn-channels", "batch-norm channels on both threads vs the calling thread", false, true, false);

    /// <summary>The noise's transform alone.</summary>
    public static GanSharedWorkBenchmark Noise() => new("gan-noise", "noise transform on both threads vs the calling thread", false, false, true);

    public override string Name => _name;

    protected override string Sides => _sides;

    protected override string OffName => "calling thread";

    protected override void Switch(bool on)
    {
        _thinColumn?.Set(on);
        _channels?.Set(on);
        _noise?.Set(on);
    }
}

namespace DeepSharp.Bench;

/// <summary>One benchmark of the harness: runs DeepSharp and its peer on the same work and reports rows.</summary>
internal interface IBenchmark
{
    /// <summary>The name given on the command line (<c>gemm</c>, <c>mlp</c>, ...).</summary>
    string Name { get; }

    /// <summary>Measures and returns one row per configuration (e.g. per shape and thread count).</summary>
    IEnumerable<BenchmarkResult> Run(BenchmarkOptions options);
}

/// <summary>What the command line asked for, shared by every benchmark.</summary>
/// <param name="Threads">Thread counts to measure; a benchmark runs each of them.</param>
/// <param name="Batches">Batch sizes asked for with <c>--batch</c> (the cnn rows); empty for each benchmark's own.</param>
internal sealed record BenchmarkOptions(IReadOnlyList<int> Threads, IReadOnlyList<int> Batches)
{
    /// <summary>The batch sizes asked for, or <paramref name="defaults"/> when none was.</summary>
    public IReadOnlyList<int> BatchesOr(params int[] defaults) => Batches.Count > 0 ? Batches : defaults;
}

/// <summary>
/// One row of the table: DeepSharp and the peer (TorchSharp, or ONNX Runtime for inference) on the same work, in the same
/// unit. A training row also carries the FLOPs of one item of its unit (a sample, or a step), from which the harness
/// works out its share of the machine's peak.
/// </summary>
internal sealed record BenchmarkResult(string Name, double DeepSharp, double Peer, BenchmarkUnit Unit, double FlopsPerItem = double.NaN,
    string PeerName = BenchmarkResult.TorchSharp)
{
    public const string TorchSharp = "TorchSharp";
    public const string OnnxRuntime = "ONNX Runtime";

    /// <summary>Above 1 means DeepSharp is better, whichever way the unit points.</summary>
    public double Ratio => Unit.HigherIsBetter ? DeepSharp / Peer : Peer / DeepSharp;

    /// <summary>Percent of <paramref name="peakGflops"/> that <paramref name="itemsPerSecond"/> items of <see cref="FlopsPerItem"/> reach (NaN without FLOPs).</summary>
    public double PercentOfPeak(double itemsPerSecond, double peakGflops) =>
        double.IsFinite(FlopsPerItem) && Unit.CountsItems ? 100 * itemsPerSecond * FlopsPerItem / (peakGflops * 1e9) : double.NaN;
}

/// <summary>
/// A unit and its direction: throughput (higher is better) or time and bytes (lower is better); <c>CountsItems</c> for a rate
/// of samples or steps, whose FLOPs a row may carry.
/// </summary>
internal sealed record BenchmarkUnit(string Symbol, bool HigherIsBetter, bool CountsItems = false)
{
    public static readonly BenchmarkUnit GflopsPerSecond = new("GFLOP/s", true);
    public static readonly BenchmarkUnit SamplesPerSecond = new("samples/s", true, CountsItems: true);
    public static readonly BenchmarkUnit StepsPerSecond = new("steps/s", true, CountsItems: true);
    public static readonly BenchmarkUnit Milliseconds = new("ms", false);
    public static readonly BenchmarkUnit Microseconds = new("µs", false);
    public static readonly BenchmarkUnit Bytes = new("bytes", false);
    public static readonly BenchmarkUnit Count = new("count", false);
    public static readonly BenchmarkUnit Times = new("×", true);
}

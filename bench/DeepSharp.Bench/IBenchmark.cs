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
internal sealed record BenchmarkOptions(IReadOnlyList<int> Threads);

/// <summary>One row of the table: DeepSharp and the peer on the same work, in the same unit.</summary>
internal sealed record BenchmarkResult(string Name, double DeepSharp, double TorchSharp, BenchmarkUnit Unit)
{
    /// <summary>Above 1 means DeepSharp is better, whichever way the unit points.</summary>
    public double Ratio => Unit.HigherIsBetter ? DeepSharp / TorchSharp : TorchSharp / DeepSharp;
}

/// <summary>A unit and its direction: throughput (higher is better) or time and bytes (lower is better).</summary>
internal sealed record BenchmarkUnit(string Symbol, bool HigherIsBetter)
{
    public static readonly BenchmarkUnit GflopsPerSecond = new("GFLOP/s", true);
    public static readonly BenchmarkUnit SamplesPerSecond = new("samples/s", true);
    public static readonly BenchmarkUnit StepsPerSecond = new("steps/s", true);
    public static readonly BenchmarkUnit Milliseconds = new("ms", false);
    public static readonly BenchmarkUnit Microseconds = new("µs", false);
    public static readonly BenchmarkUnit Bytes = new("bytes", false);
    public static readonly BenchmarkUnit Count = new("count", false);
    public static readonly BenchmarkUnit Times = new("×", true);
}

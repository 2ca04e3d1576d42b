using System.Globalization;
using System.Text;
using DeepSharp;
using DeepSharp.Bench;
using DeepSharp.Bench.Benchmarks;

// dotnet run -c Release --project bench/DeepSharp.Bench -- <name[,name...]|all> [--threads N]... [--batch N]... [--json FILE]
// The data-parallel benchmark starts this program again as its workers (one rank each, under mpirun or alone).
if (args is [DataParallelBenchmark.WorkerMode, var workerModel, var workerBatch])
    return DataParallelBenchmark.Worker(workerModel, int.Parse(workerBatch, CultureInfo.InvariantCulture));

IBenchmark[] benchmarks =
[
    new GemmBenchmark(),
    new MlpBenchmark(),
    new MlpLoaderBenchmark(),
    new CnnBenchmark(),
    new CnnLayersBenchmark(),
    SeedModelOpsBenchmark.Cnn(),
    SeedModelOpsBenchmark.Mlp(),
    new AugmentBenchmark(),
    new AugmentFlowBenchmark(),
    new LstmBenchmark(),
    new LstmLayersBenchmark(),
    new LstmSwitchBenchmark(),
    new LstmWeightsBenchmark(),
    SeedModelOpsBenchmark.Lstm(),
    new VitBenchmark(),
    new VitOpsBenchmark(),
    new VitFusionBenchmark(),
    new VitKernelsBenchmark(),
    new VitDenseBenchmark(),
    new VitDenseSwitchBenchmark(),
    new VitDensePrefetchBenchmark(),
    new VitDenseScalingBenchmark(),
    new VitDensePanelsBenchmark(),
    new VitDensePanelsCallsBenchmark(),
    new VitOptimizerSwitchBenchmark(),
    new MlpOptimizerSwitchBenchmark(32),
    new MlpOptimizerSwitchBenchmark(128),
    new OptimizerStepSwitchBenchmark(),
    new VitSchedulingBenchmark(),
    new VitBackwardBenchmark(),
    new VitPrefetchBenchmark(),
    new VitAttentionBenchmark(),
    new VitAttentionOpBenchmark(),
    new VitAttentionSamplesBenchmark(),
    new VitResidualNormBenchmark(),
    new VitPatchBenchmark(),
    new VitPatchSwitchBenchmark(),
    new VitLayerNormOpBenchmark(),
    new VitLayerNormTilesBenchmark(),
    new VitLayerNormRowsBenchmark(),
    new VitResidualSumBenchmark(),
    new VitDenseGradientBenchmark(),
    new VitStepBuffersBenchmark(),
    new GeluSwitchBenchmark(),
    new VitGeluSwitchBenchmark(),
    new CharLmDenseRowsBenchmark(),
    new CharLmDensePrefetchBenchmark(),
    new GemmKBlocksBenchmark("mlp", 32),
    new GemmKBlocksBenchmark("mlp", 128),
    new GemmKBlocksBenchmark("cnn", 32),
    new GemmKBlocksBenchmark("cnn", 128),
    new GemmKBlocksBenchmark("charlm", 0),
    new CharLmBenchmark(),
    new GanBenchmark(),
    new GanLayersBenchmark(),
    new GanFusionBenchmark(),
    new GanOpsBenchmark(),
    new GanPackingBenchmark(),
    new GanMaskBenchmark(),
    GanSharedWorkBenchmark.All(),
    GanSharedWorkBenchmark.ThinColumn(),
    GanSharedWorkBenchmark.Channels(),
    GanSharedWorkBenchmark.Noise(),
    new GanBackwardItemsBenchmark(),
    new ResNetBenchmark(),
    new ResNetLayersBenchmark(),
    new PredictBenchmark(),
    new DataParallelBenchmark(),
];

string? selection = null, jsonPath = null;
var threads = new List<int>();
var batches = new List<int>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t >= 1:
            threads.Add(t);
            i++;
            break;
        case "--batch" when i + 1 < args.Length && int.TryParse(args[i + 1], out int b) && b >= 1:
            batches.Add(b);
            i++;
            break;
        case "--json" when i + 1 < args.Length:
            jsonPath = args[++i];
            break;
        default:
            if (selection is null && !args[i].StartsWith("--", StringComparison.Ordinal)) selection = args[i];
            else return Usage($"unexpected argument '{args[i]}'", benchmarks);
            break;
    }
}
if (selection is null) return Usage("name a benchmark or 'all'", benchmarks);
// "all", one name, or several joined by commas (one run, one FMA peak: "mlp,cnn,lstm").
var names = selection.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
if (names.FirstOrDefault(n => n != "all" && benchmarks.All(b => b.Name != n)) is { } unknown) return Usage($"no benchmark named '{unknown}'", benchmarks);
var chosen = names.Contains("all") ? benchmarks : names.Select(n => benchmarks.First(b => b.Name == n)).ToArray();
if (chosen.Length == 0) return Usage("name a benchmark or 'all'", benchmarks);
if (threads.Count == 0) threads.AddRange([1, 2]);

double peak = FmaPeak.Measure();
// Both cores have the same FMA units; timing them together on a shared machine would measure the neighbours as well.
double twoCorePeak = 2 * peak;
Console.WriteLine($"CPU: {HardwareInfo.ProcessorName}, {HardwareInfo.ProcessorCount} cores, {HardwareInfo.VectorWidthBits}-bit vectors");
Console.WriteLine($"Single-core FMA peak (12 Vector512 FMA chains): {peak:F1} GFLOP/s; two-core peak (twice that): {twoCorePeak:F1} GFLOP/s");
Console.WriteLine($"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average before: {LoadAverage()}");
Console.WriteLine();

var results = new List<BenchmarkResult>();
var options = new BenchmarkOptions(threads, batches);
Console.WriteLine($"| {"name",-40} | {"DeepSharp",10} | {"peer",10} | {"unit",-9} | {"ratio",6} | {"FLOPs/item",10} | {"% peak",6} | {"peer %",6} |");
Console.WriteLine($"|{new string('-', 42)}|{new string('-', 12)}|{new string('-', 12)}|{new string('-', 11)}|{new string('-', 8)}|{new string('-', 12)}|{new string('-', 8)}|{new string('-', 8)}|");
foreach (var benchmark in chosen)
{
    foreach (var result in benchmark.Run(options))
    {
        results.Add(result);
        string name = result.PeerName == BenchmarkResult.TorchSharp ? result.Name : $"{result.Name} vs {result.PeerName}";
        Console.WriteLine($"| {name,-40} | {Format(result.DeepSharp),10} | {Format(result.Peer),10} | {result.Unit.Symbol,-9} | {FormatRatio(result.Ratio),6} | " +
            $"{FormatFlops(result.FlopsPerItem),10} | {FormatPercent(result.PercentOfPeak(result.DeepSharp, twoCorePeak)),6} | " +
            $"{FormatPercent(result.PercentOfPeak(result.Peer, twoCorePeak)),6} |");
    }
}
Console.WriteLine();
Console.WriteLine($"Load average after: {LoadAverage()} (other processes on these cores distort the figures, two-thread rows most)");
if (jsonPath is not null) File.WriteAllText(jsonPath, ToJson(results, peak, twoCorePeak));
return 0;

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static string Format(double value) =>
    double.IsNaN(value) ? "—" : value >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("G4", CultureInfo.InvariantCulture);

// Zero bytes against some is an infinite ratio; a row without a peer figure has none.
static string FormatRatio(double ratio) =>
    double.IsPositiveInfinity(ratio) ? "∞" : double.IsNaN(ratio) ? "—" : ratio.ToString("F2", CultureInfo.InvariantCulture);

// One object per row; "torchsharp", "onnxruntime" or "gemm" (gan-layers: our GEMM on the same product) holds the peer's figure. Training rows carry their FLOPs per sample
// (or per step) and both sides' percent of the two-core peak; the peaks themselves are on every row.
static string ToJson(List<BenchmarkResult> results, double peak, double twoCorePeak)
{
    var json = new StringBuilder("[\n");
    for (int i = 0; i < results.Count; i++)
    {
        var r = results[i];
        string peerKey = r.PeerName switch { BenchmarkResult.TorchSharp => "torchsharp", BenchmarkResult.OnnxRuntime => "onnxruntime", _ => r.PeerName.ToLowerInvariant() };
        json.Append(CultureInfo.InvariantCulture,
            $"  {{\"name\": \"{r.Name}\", \"deepsharp\": {JsonNumber(r.DeepSharp)}, \"{peerKey}\": {JsonNumber(r.Peer)}, \"unit\": \"{r.Unit.Symbol}\", " +
            $"\"ratio\": {JsonNumber(r.Ratio)}, \"flops_per_item\": {JsonNumber(r.FlopsPerItem)}, " +
            $"\"deepsharp_percent_of_peak\": {JsonNumber(r.PercentOfPeak(r.DeepSharp, twoCorePeak))}, " +
            $"\"{peerKey}_percent_of_peak\": {JsonNumber(r.PercentOfPeak(r.Peer, twoCorePeak))}, " +
            $"\"single_core_peak_gflops\": {JsonNumber(peak)}, \"two_core_peak_gflops\": {JsonNumber(twoCorePeak)}}}");
        json.Append(i + 1 < results.Count ? ",\n" : "\n");
    }
    return json.Append("]\n").ToString();
}

static string FormatFlops(double flops) =>
    !double.IsFinite(flops) ? "—" : flops >= 1e9 ? $"{(flops / 1e9).ToString("G3", CultureInfo.InvariantCulture)} G"
        : flops >= 1e6 ? $"{(flops / 1e6).ToString("G3", CultureInfo.InvariantCulture)} M" : flops.ToString("F0", CultureInfo.InvariantCulture);

static string FormatPercent(double percent) => double.IsFinite(percent) ? percent.ToString("F0", CultureInfo.InvariantCulture) + "%" : "—";

// A measurement without a peer figure (bytes, collections) has no ratio: JSON null rather than NaN.
static string JsonNumber(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "null";

static int Usage(string problem, IEnumerable<IBenchmark> benchmarks)
{
    Console.Error.WriteLine($"DeepSharp.Bench: {problem}.");
    Console.Error.WriteLine($"usage: DeepSharp.Bench <name[,name...]|all> [--threads N]... [--batch N]... [--json FILE]   (benchmarks: {string.Join(", ", benchmarks.Select(b => b.Name))})");
    return 2;
}

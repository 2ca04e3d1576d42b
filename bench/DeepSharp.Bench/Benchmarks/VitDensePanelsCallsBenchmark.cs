using System.Diagnostics;
using System.Globalization;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's four Dense backwards in row groups (<see cref="VitDenseScalingBenchmark"/>'s operands, hot and fresh) with each
/// thread cutting the transposed kernel panels itself (<see cref="DenseRowGroups.PanelsPerThread"/>) against the calling
/// thread cutting them for all, the two alternating call by call (fresh: each call on the next set), so that both sides see the same moments of a loaded
/// machine: each side's fastest call and 10th percentile, and the ratio of the fastest calls (shared / per thread: above 1,
/// per thread is faster). Run it with two threads; at one thread both sides run the same code.
/// </summary>
internal sealed class VitDensePanelsCallsBenchmark : IBenchmark
{
    private const int Calls = 600, WarmUpCalls = 40;

    public string Name => "vit-dense-panels-calls";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        (string Name, int K, int N, DenseActivation Activation)[] layers =
        [("qkv", 64, 192, DenseActivation.Linear), ("output", 64, 64, DenseActivation.Linear),
         ("mlp1 gelu", 64, 128, DenseActivation.GeluKeepingDerivative), ("mlp2", 128, 64, DenseActivation.Linear)];
        bool atStart = DenseRowGroups.PanelsPerThread;
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            foreach (var (name, k, n, activation) in layers)
            {
                var sets = new VitDenseScalingBenchmark.Operands[VitDenseScalingBenchmark.FreshSets];
                for (int s = 0; s < sets.Length; s++) sets[s] = new VitDenseScalingBenchmark.Operands(VitDenseScalingBenchmark.Rows, k, n, activation, seed: s);
                try
                {
                    foreach (bool fresh in new[] { false, true })
                    {
                        var on = new double[Calls];
                        var off = new double[Calls];
                        int used = fresh ? sets.Length : 1;
                        // Call j runs side j % 2 on set j % used: fresh, each side's call finds its operands as cold as the other's.
                        for (int j = -2 * WarmUpCalls; j < 2 * Calls; j++)
                        {
                            bool perThread = (j & 1) == 0;
                            DenseRowGroups.PanelsPerThread = perThread && atStart;
                            long start = Stopwatch.GetTimestamp();
                            sets[(j + 2 * WarmUpCalls) % used].Backward();
                            if (j >= 0) (perThread ? on : off)[j / 2] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                        }
                        DenseRowGroups.PanelsPerThread = atStart;
                        Array.Sort(on);
                        Array.Sort(off);
                        string piece = $"{name} backward {VitDenseScalingBenchmark.Rows}x{n}x{k} {(fresh ? "fresh" : "hot")} t{threads}";
                        yield return new BenchmarkResult(
                            $"{piece}, per thread vs shared panels, fastest (p10 {Us(on[Calls / 10])} vs {Us(off[Calls / 10])} µs)",
                            on[0] * 1e6, off[0] * 1e6, BenchmarkUnit.Microseconds, PeerName: "shared panels");
                    }
                }
                finally
                {
                    DenseRowGroups.PanelsPerThread = atStart;
                    foreach (var s in sets) s.Dispose();
                }
            }
        }
    }

    private static string Us(double seconds) => (seconds * 1e6).ToString("F0", CultureInfo.InvariantCulture);
}

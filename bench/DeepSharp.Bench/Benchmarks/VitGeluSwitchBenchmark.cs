using System.Diagnostics;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step with its GELU's Φ by <see cref="LaneMath.NormalCdf{T}"/> against ½·(1 + erf(x/√2))
/// (<see cref="GeluFunction.NormalCdfForm"/>; off at start with <c>DEEPSHARP_GELU=erf</c>), alternating step by step (the
/// order of each pair drawn at random; other bits: the two sides share one model that both train). Each step is timed by the
/// clock, or with <c>DEEPSHARP_BENCH_CPU_TIME=1</c> by the calling thread's CPU time (for <c>--threads 1</c> under load); the
/// rows give each side's fastest step and its 10th, 25th and 50th percentiles, then the median over pairs of the pair's
/// ratio, as samples/s (the "peer" column is the erf form; in the last row the new side is the peer's rate times that ratio).
/// </summary>
internal sealed class VitGeluSwitchBenchmark() : VitSwitchBenchmark("vit-gelu-switch", "Φ vs erf form", "erf form",
    new LibrarySwitch(() => GeluFunction.NormalCdfForm, on => GeluFunction.NormalCdfForm = on))
{
    private static readonly bool CpuTime = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_CPU_TIME") == "1";
    private const int WarmUpPairs = 20, Pairs = 300;

    protected override IEnumerable<(string Label, double On, double Off)> Time(Action on, Action off)
    {
        var onTimes = new List<double>(Pairs);
        var offTimes = new List<double>(Pairs);
        var ratios = new List<double>(Pairs);
        var order = new Random(3);
        for (int pair = 0; pair < WarmUpPairs + Pairs; pair++)
        {
            bool onFirst = order.Next(2) == 0;
            double onSeconds = 0, offSeconds = 0;
            for (int side = 0; side < 2; side++)
            {
                bool isOn = (side == 0) == onFirst;
                long start = CpuTime ? ThreadCpuClock.Now() : Stopwatch.GetTimestamp();
                (isOn ? on : off)();
                double seconds = (double)((CpuTime ? ThreadCpuClock.Now() : Stopwatch.GetTimestamp()) - start) / Stopwatch.Frequency;
                if (isOn) onSeconds = seconds;
                else offSeconds = seconds;
            }
            if (pair < WarmUpPairs) continue;
            onTimes.Add(onSeconds);
            offTimes.Add(offSeconds);
            ratios.Add(offSeconds / onSeconds);
        }
        onTimes.Sort();
        offTimes.Sort();
        ratios.Sort();
        foreach (var (label, q) in new[] { ("fastest", 0.0), ("p10", 0.10), ("p25", 0.25), ("median", 0.50) })
            yield return ($" {label}", At(onTimes, q), At(offTimes, q));
        double medianOff = At(offTimes, 0.5);
        yield return (" median pair ratio", medianOff / At(ratios, 0.5), medianOff);
    }

    private static double At(List<double> sorted, double q) => sorted[(int)(q * (sorted.Count - 1))];
}

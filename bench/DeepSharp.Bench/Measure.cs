using System.Diagnostics;

namespace DeepSharp.Bench;

/// <summary>
/// Timing shared by the benchmarks. Each measurement warms up first (the JIT starts methods at tier 0 and
/// promotes hot ones later), then times several runs and keeps the median: these machines are shared, and a
/// median shrugs off a run that another process disturbed. DeepSharp and the peer alternate run by run so
/// that a noisy period hits both.
/// </summary>
internal static class Measure
{
    private const int Runs = 9;
    private static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// Median seconds per call of <paramref name="first"/> and of <paramref name="second"/>; each timed run
    /// lasts about <paramref name="runLength"/> (40 ms by default; longer for calls of several milliseconds).
    /// </summary>
    public static (double First, double Second) SecondsPerCall(Action first, Action second, TimeSpan? runLength = null)
    {
        var length = runLength ?? RunLength;
        int firstCalls = Calibrate(first, length), secondCalls = Calibrate(second, length);
        var a = new double[Runs];
        var b = new double[Runs];
        for (int run = 0; run < Runs; run++)
        {
            a[run] = Time(first, firstCalls);
            b[run] = Time(second, secondCalls);
        }
        return (Median(a), Median(b));
    }

    /// <summary>Runs the action through its warm-up and returns how many calls fill one timed run.</summary>
    private static int Calibrate(Action action, TimeSpan runLength)
    {
        var watch = Stopwatch.StartNew();
        long calls = 0;
        while (watch.Elapsed < WarmUp || calls < 3)
        {
            action();
            calls++;
        }
        double perCall = watch.Elapsed.TotalSeconds / calls;
        return (int)Math.Clamp(runLength.TotalSeconds / perCall, 1, 1_000_000);
    }

    private static double Time(Action action, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }
}

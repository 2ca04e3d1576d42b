using System.Diagnostics;

namespace DeepSharp.Bench;

/// <summary>
/// Timing shared by the benchmarks. DeepSharp and the peer are measured in alternating blocks: each block
/// warms up (the JIT starts methods at tier 0 and promotes hot ones later; caches fill), times a few runs,
/// then the process idles briefly, because both libraries keep their worker threads spinning for a while
/// after a parallel call, and a spinning worker of one would steal a core from the other (libtorch's OpenMP
/// pool is slowed a hundredfold by that). The result is the fastest of all timed runs: these machines are
/// shared with other work that comes and goes, and the fastest run is the one it disturbed least (a median
/// still moves with how busy the machine was during the measurement).
/// </summary>
internal static class Measure
{
    private const int Blocks = 5;
    private const int RunsPerBlock = 3;
    private static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Best seconds per call of <paramref name="first"/> and of <paramref name="second"/>; each timed run lasts
    /// about <paramref name="runLength"/> (40 ms by default; longer for calls of several milliseconds).
    /// </summary>
    public static (double First, double Second) SecondsPerCall(Action first, Action second, TimeSpan? runLength = null)
    {
        var length = runLength ?? RunLength;
        var a = new List<double>();
        var b = new List<double>();
        for (int block = 0; block < Blocks; block++)
        {
            TimeBlock(first, a, length);
            Thread.Sleep(Idle);
            TimeBlock(second, b, length);
            Thread.Sleep(Idle);
        }
        return (a.Min(), b.Min());
    }

    /// <summary>Seconds per call of a single action (for benchmarks without a peer side).</summary>
    public static double SecondsPerCall(Action action)
    {
        var times = new List<double>();
        for (int block = 0; block < Blocks; block++) TimeBlock(action, times, RunLength);
        return times.Min();
    }

    /// <summary>
    /// DEEPSHARP_BENCH_CPU_TIME=1 times runs by the process's CPU time instead of the clock: on a machine loaded by other
    /// work, a one-thread row then counts only the time its thread ran (for A/B comparisons; spinning workers of a
    /// two-thread row count too, so use it for one-thread rows).
    /// </summary>
    private static readonly bool CpuTime = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_CPU_TIME") == "1";

    private static void TimeBlock(Action action, List<double> times, TimeSpan runLength)
    {
        int calls = Calibrate(action, runLength);
        var process = Process.GetCurrentProcess();
        for (int run = 0; run < RunsPerBlock; run++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) action();
            if (!CpuTime)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds / calls);
                continue;
            }
            process.Refresh();
            times.Add((process.TotalProcessorTime - cpu).TotalSeconds / calls);
        }
    }

    /// <summary>Runs the action through its warm-up and returns how many calls fill one timed run.</summary>
    private static int Calibrate(Action action, TimeSpan runLength)
    {
        var watch = Stopwatch.StartNew();
        long calls = 0;
        while (watch.Elapsed < WarmUp || calls < 2)
        {
            action();
            calls++;
        }
        double perCall = watch.Elapsed.TotalSeconds / calls;
        return (int)Math.Clamp(runLength.TotalSeconds / perCall, 1, 1_000_000);
    }

    /// <summary>
    /// Managed bytes one call allocates on the calling thread once warm: the fewest of three rounds of 20 calls
    /// (a round that meets a JIT tier-up or a pool growing is not the steady state).
    /// </summary>
    public static long BytesPerCall(Action action)
    {
        const int calls = 20;
        for (int i = 0; i < calls; i++) action();
        long fewest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
            fewest = Math.Min(fewest, (GC.GetAllocatedBytesForCurrentThread() - before) / calls);
        }
        return fewest;
    }
}

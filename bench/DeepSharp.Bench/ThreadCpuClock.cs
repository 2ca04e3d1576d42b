using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DeepSharp.Bench;

/// <summary>
/// The calling thread's CPU time (Linux, <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>) in ticks of
/// <see cref="Stopwatch.Frequency"/>: what the op-timeline rows read under <c>DEEPSHARP_BENCH_CPU_TIME=1</c>, so that on a
/// loaded machine a one-thread step's ops are charged only the time their thread ran.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The thread's CPU time so far, in stopwatch ticks.</summary>
    public static long Now()
    {
        ClockGetTime(ThreadCpuTimeId, out var t);
        return (long)((t.Seconds * 1_000_000_000.0 + t.Nanoseconds) * (Stopwatch.Frequency / 1e9));
    }
}

using System.Diagnostics;
using System.Globalization;

namespace DeepSharp.Bench;

/// <summary>
/// Where a training step's time goes, op by op, for rows such as <c>gan-ops</c> and <c>cnn-ops</c>: the library's
/// <see cref="OpTimeline"/> charges the time between one recorded op (or backward rule) and the next to it, over short
/// windows of steps, each op's figure from its fastest window (on a shared machine a long mean charges other processes'
/// bursts to whichever op they hit). One row per op, phase (F forward, B backward, S the rest of the step) and shapes,
/// in µs per step, largest first, with its calls per step; then each phase's total and the step timed without the
/// timeline (what the marks cost). Under <c>DEEPSHARP_BENCH_CPU_TIME=1</c> one-thread rows read the thread's CPU time.
/// </summary>
internal static class OpTimelineRows
{
    private const int Windows = 12, StepsPerWindow = 5;
    private static readonly bool CpuTime = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_CPU_TIME") == "1";

    /// <summary>
    /// The rows of <paramref name="step"/> (already warm), each name ending in <paramref name="suffix"/>; an op's name is
    /// <paramref name="describe"/>'s (given the entry, its calls per step and its µs per step), or the op, its shapes and calls.
    /// </summary>
    public static IEnumerable<BenchmarkResult> Measure(Action step, string suffix, Func<OpTimeline.Entry, double, double, string>? describe = null)
    {
        describe ??= (e, calls, _) => $"{e.Op}{Shapes(e)} [{calls.ToString("G3", CultureInfo.InvariantCulture)}×]";
        // One-thread steps under DEEPSHARP_BENCH_CPU_TIME=1: the thread's CPU time (the other threads' work is not seen).
        OpTimeline.Clock = CpuTime && Parallelism.Threads == 1 ? ThreadCpuClock.Now : null;
        var fastest = new Dictionary<(char, string, TensorShape, TensorShape, TensorShape), OpTimeline.Entry>();
        var phaseTotals = new Dictionary<char, double>();
        for (int window = 0; window < Windows; window++)
        {
            OpTimeline.Start();
            OpTimeline.Enabled = true;
            for (int i = 0; i < StepsPerWindow; i++)
            {
                OpTimeline.Skip();
                step();
                OpTimeline.Mark("end of the step");
            }
            OpTimeline.Enabled = false;
            foreach (var e in OpTimeline.Entries)
            {
                var key = (e.Phase, e.Op, e.Output, e.First, e.Second);
                if (!fastest.TryGetValue(key, out var best) || e.Ticks < best.Ticks) fastest[key] = e;
            }
            foreach (char phase in "FBS")
            {
                double total = OpTimeline.Entries.Where(e => e.Phase == phase).Sum(e => (double)e.Ticks);
                phaseTotals[phase] = phaseTotals.TryGetValue(phase, out double t) ? Math.Min(t, total) : total;
            }
        }
        OpTimeline.Clock = null;
        double perStep = 1e6 / Stopwatch.Frequency / StepsPerWindow;
        foreach (var e in fastest.Values.OrderByDescending(e => e.Ticks))
            yield return new BenchmarkResult($"{e.Phase} {describe(e, (double)e.Calls / StepsPerWindow, e.Ticks * perStep)} {suffix}", e.Ticks * perStep,
                double.NaN, BenchmarkUnit.Microseconds);
        foreach (char phase in "FBS")
            yield return new BenchmarkResult($"{phase} total {suffix}", phaseTotals.GetValueOrDefault(phase) * perStep, double.NaN, BenchmarkUnit.Microseconds);
        yield return new BenchmarkResult($"step without the timeline {suffix}", DeepSharp.Bench.Measure.SecondsPerCall(step) * 1e6, double.NaN,
            BenchmarkUnit.Microseconds);
    }

    /// <summary>" output ← first, second", or nothing for an entry without shapes.</summary>
    public static string Shapes(OpTimeline.Entry e) =>
        e.Output.Rank == 0 && e.First.Rank == 0 ? "" : $" {e.Output} ← {e.First}{(e.Second.Rank > 0 ? ", " + e.Second : "")}";
}

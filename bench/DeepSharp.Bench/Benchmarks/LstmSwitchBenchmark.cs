using System.Diagnostics;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The stacked row LSTM's training step (<see cref="LstmBenchmark"/>'s model and batch) with the recurrent switches on
/// against off (<see cref="SwitchBenchmark"/>), alternating step by step (the order of each pair drawn at random). Each
/// step is timed by the clock; the rows give each side's fastest step and its 10th, 25th and 50th percentiles, as
/// samples/s (the "peer" column is the switches off). The switches: the per-row work joined to the recurrent loop
/// (<see cref="RecurrentLoop.Joined"/>; off at start with <c>DEEPSHARP_RECURRENT=separate</c>) and the LSTM's weight
/// gradients summed inside the backward loop (<see cref="RecurrentLoop.GradientsInLoop"/>; off at start with
/// <c>DEEPSHARP_RECURRENT_GRADIENTS=after</c>), and the LSTM's input read in place rather than copied to time-major order
/// (<see cref="RecurrentLoop.InputInPlace"/>; off at start with <c>DEEPSHARP_RECURRENT_INPUT=copy</c>),
/// the LSTM's in-loop weight gradients as one call a chunk against panels of dZ cut once (<see cref="RecurrentLoop.SharedPanels"/>;
/// off at start with <c>DEEPSHARP_RECURRENT_WEIGHTS=gemm</c>), the op's single-threaded work done the lean way
/// (<see cref="RecurrentLoop.LeanSerialWork"/>; off at start with <c>DEEPSHARP_RECURRENT_SERIAL=old</c>), and the LSTM's bias sums
/// added by its backward gate pass (<see cref="RecurrentLoop.BiasInGatePass"/>; off at start with <c>DEEPSHARP_RECURRENT_BIAS=after</c>);
/// <c>DEEPSHARP_BENCH_SWITCH</c> (a comma-separated list of <c>joined</c>, <c>gradients</c>, <c>input</c>, <c>weights</c>,
/// <c>serial</c> and <c>bias</c>) names those that alternate, the others staying as they were at start (all alternate when unset).
/// <c>DEEPSHARP_BENCH_CPU_TIME=1</c> times each step by the calling thread's CPU time: for <c>--threads 1</c> under load.
/// A branch that adds a switch for the recurrent layers adds it here.
/// </summary>
internal sealed class LstmSwitchBenchmark() : SwitchBenchmark("lstm-switch", "on", "switches off", Alternating())
{
    private static LibrarySwitch[] Alternating()
    {
        var named = (Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_SWITCH") ?? "joined,gradients,input,weights,serial,bias").Split(',', StringSplitOptions.TrimEntries);
        var switches = new List<LibrarySwitch>();
        if (named.Contains("joined")) switches.Add(new LibrarySwitch(() => RecurrentLoop.Joined, on => RecurrentLoop.Joined = on));
        if (named.Contains("gradients"))
            switches.Add(new LibrarySwitch(() => RecurrentLoop.GradientsInLoop, on => RecurrentLoop.GradientsInLoop = on));
        if (named.Contains("input")) switches.Add(new LibrarySwitch(() => RecurrentLoop.InputInPlace, on => RecurrentLoop.InputInPlace = on));
        if (named.Contains("weights")) switches.Add(new LibrarySwitch(() => RecurrentLoop.SharedPanels, on => RecurrentLoop.SharedPanels = on));
        if (named.Contains("serial")) switches.Add(new LibrarySwitch(() => RecurrentLoop.LeanSerialWork, on => RecurrentLoop.LeanSerialWork = on));
        if (named.Contains("bias")) switches.Add(new LibrarySwitch(() => RecurrentLoop.BiasInGatePass, on => RecurrentLoop.BiasInGatePass = on));
        return [.. switches];
    }

    private static readonly bool CpuTime = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_CPU_TIME") == "1";

    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static long ThreadCpuNanoseconds()
    {
        const int ThreadCpuTimeClock = 3; // CLOCK_THREAD_CPUTIME_ID
        ClockGetTime(ThreadCpuTimeClock, out var time);
        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    private const int WarmUpPairs = 40, Pairs = 800;

    protected override string Step => "lstm train";

    protected override (Tensor X, Tensor Y) Batch() => SyntheticBatch.Tensors(128, seed: 11);

    protected override Model Compiled() => CompiledForImages(DeepSharp.Examples.SeedModels.RowLstm(10));

    protected override IEnumerable<(string Label, double On, double Off)> Time(Action on, Action off)
    {
        var onTimes = new List<double>(Pairs);
        var offTimes = new List<double>(Pairs);
        var order = new Random(3);
        for (int pair = 0; pair < WarmUpPairs + Pairs; pair++)
        {
            bool onFirst = order.Next(2) == 0;
            for (int side = 0; side < 2; side++)
            {
                bool isOn = (side == 0) == onFirst;
                long start = CpuTime ? ThreadCpuNanoseconds() : Stopwatch.GetTimestamp();
                (isOn ? on : off)();
                double seconds = CpuTime ? (ThreadCpuNanoseconds() - start) * 1e-9 : Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (pair >= WarmUpPairs) (isOn ? onTimes : offTimes).Add(seconds);
            }
        }
        onTimes.Sort();
        offTimes.Sort();
        foreach (var (label, q) in new[] { ("fastest", 0.0), ("p10", 0.10), ("p25", 0.25), ("median", 0.50) })
            yield return ($" {label}", At(onTimes, q), At(offTimes, q));
    }

    private static double At(List<double> sorted, double q) => sorted[(int)(q * (sorted.Count - 1))];
}

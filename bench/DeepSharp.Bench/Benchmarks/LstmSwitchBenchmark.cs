using System.Diagnostics;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The stacked row LSTM's training step (<see cref="LstmBenchmark"/>'s model and batch) with the recurrent switches on
/// against off, alternating step by step in one process (the order of each pair drawn at random), so that both sides
/// see the same state of a shared machine. Each step is timed by the clock; the rows give each side's fastest step and
/// its 10th, 25th and 50th percentiles, as samples/s (the "peer" column is the switches off). A switch that its
/// environment variable turned off at start stays off on both sides.
/// </summary>
internal sealed class LstmSwitchBenchmark : IBenchmark
{
    private const int Batch = 128, WarmUpPairs = 40, Pairs = 800;

    public string Name => "lstm-switch";

    private static readonly bool JoinedAtStart = RecurrentLoop.Joined, GradientsInLoopAtStart = RecurrentLoop.GradientsInLoop;

    /// <summary>
    /// The switches that alternate, from <c>DEEPSHARP_BENCH_SWITCH</c> (a comma-separated list of <c>joined</c> and
    /// <c>gradients</c>; all when unset); the others stay as they were at start on both sides.
    /// </summary>
    private static readonly string[] Alternating =
        (Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_SWITCH") ?? "joined,gradients").Split(',', StringSplitOptions.TrimEntries);

    /// <summary>
    /// Turns the alternating switches on (each only if it was on at start) or off: the per-row work joined to the
    /// recurrent loop (<see cref="RecurrentLoop.Joined"/>; off at start with <c>DEEPSHARP_RECURRENT=separate</c>) and the
    /// LSTM's weight gradients summed inside the backward loop (<see cref="RecurrentLoop.GradientsInLoop"/>; off at start
    /// with <c>DEEPSHARP_RECURRENT_GRADIENTS=after</c>). A branch that adds a switch for the recurrent layers adds it here.
    /// </summary>
    private static void Switch(bool on)
    {
        RecurrentLoop.Joined = (on || !Alternating.Contains("joined")) && JoinedAtStart;
        RecurrentLoop.GradientsInLoop = (on || !Alternating.Contains("gradients")) && GradientsInLoopAtStart;
    }

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 11);
        using var x = Tensor.FromArray(pixels, Batch, 28, 28);
        using var y = Tensor.FromArray(labels);
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            RandomGenerator.SetSeed(1);
            var model = new Sequential(new LSTM(64, returnSequences: true, inputShape: [28, 28]), new LSTM(64), new Dense(10, activation: "softmax"));
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(model);
            var on = new List<double>(Pairs);
            var off = new List<double>(Pairs);
            var order = new Random(3);
            for (int pair = 0; pair < WarmUpPairs + Pairs; pair++)
            {
                bool onFirst = order.Next(2) == 0;
                for (int side = 0; side < 2; side++)
                {
                    bool isOn = (side == 0) == onFirst;
                    Switch(isOn);
                    long start = CpuTime ? ThreadCpuNanoseconds() : Stopwatch.GetTimestamp();
                    model.TrainOnBatch(x, y);
                    double seconds = CpuTime ? (ThreadCpuNanoseconds() - start) * 1e-9 : Stopwatch.GetElapsedTime(start).TotalSeconds;
                    if (pair >= WarmUpPairs) (isOn ? on : off).Add(seconds);
                }
            }
            Switch(true);
            on.Sort();
            off.Sort();
            foreach (var (label, q) in new[] { ("fastest", 0.0), ("p10", 0.10), ("p25", 0.25), ("median", 0.50) })
                yield return new BenchmarkResult($"lstm train b{Batch} t{threads} {label}, on", Batch / At(on, q), Batch / At(off, q),
                    BenchmarkUnit.SamplesPerSecond, flops, PeerName: "switches off");
        }
    }

    /// <summary>
    /// DEEPSHARP_BENCH_CPU_TIME=1 times each step by the calling thread's CPU time instead of the clock: for one-thread
    /// runs (<c>--threads 1</c>, where the step runs on the calling thread) on a machine loaded by other work.
    /// </summary>
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

    private static double At(List<double> sorted, double q) => sorted[(int)(q * (sorted.Count - 1))];
}

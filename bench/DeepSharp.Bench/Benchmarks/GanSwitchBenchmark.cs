using System.Diagnostics;
using System.Globalization;
using DeepSharp.Examples;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The DCGAN step of <c>gan</c> (batch 64) with a switch of the library on against off, in one process: after a warm-up,
/// rounds of steps alternate the two sides (on, off, off, on, ...), each side training its own trainer from the same seeds,
/// so that both see the same state of a shared machine. Rows: each side's fastest round (steps/s, with the step's FLOPs),
/// and the median, lowest and highest of the rounds' on/off ratios. Under <c>DEEPSHARP_BENCH_CPU_TIME=1</c> one-thread
/// rounds are timed by the thread's CPU time.
/// </summary>
internal abstract class GanSwitchBenchmark : IBenchmark
{
    private const int Batch = 64, WarmUpSteps = 10, Rounds = 12;
    private static readonly TimeSpan RoundLength = TimeSpan.FromMilliseconds(500);
    private static readonly bool CpuTime = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_CPU_TIME") == "1";

    public abstract string Name { get; }

    /// <summary>The row's label for the two sides, e.g. "36-row blocks vs 12".</summary>
    protected abstract string Sides { get; }

    /// <summary>The peer column's name (the switch off).</summary>
    protected abstract string OffName { get; }

    /// <summary>Turns the switch on or off.</summary>
    protected abstract void Switch(bool on);

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var pixels = SyntheticBatch.GanImages(Batch);
        using var real = Tensor.FromArray(pixels, Batch, 28, 28, 1);
        double flops = TrainingFlops.GanStep(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), Batch);
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            var trainers = new GanTrainer[2];
            for (int side = 0; side < 2; side++)
            {
                RandomGenerator.SetSeed(1);
                trainers[side] = new GanTrainer(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), GanModels.Optimizer(), GanModels.Optimizer(),
                    GanModels.NoiseDim, realLabel: 0.9f, seed: 1);
                Switch(side == 0);
                for (int i = 0; i < WarmUpSteps; i++) trainers[side].TrainStep(real);
            }
            var rates = new double[2, Rounds];
            var ratios = new double[Rounds];
            for (int round = 0; round < Rounds; round++)
            {
                for (int k = 0; k < 2; k++)
                {
                    int side = (round + k) % 2; // on first in even rounds, off first in odd ones
                    Switch(side == 0);
                    var watch = Stopwatch.StartNew();
                    long cpu = ThreadCpuClock.Now();
                    int steps = 0;
                    while (watch.Elapsed < RoundLength || steps < 2)
                    {
                        trainers[side].TrainStep(real);
                        steps++;
                    }
                    // One thread under DEEPSHARP_BENCH_CPU_TIME=1: the thread's CPU time, which the machine's other work does not inflate.
                    double seconds = CpuTime && threads == 1 ? (ThreadCpuClock.Now() - cpu) / (double)Stopwatch.Frequency : watch.Elapsed.TotalSeconds;
                    rates[side, round] = steps / seconds;
                }
                ratios[round] = rates[0, round] / rates[1, round];
            }
            Switch(true);
            double bestOn = 0, bestOff = 0;
            for (int round = 0; round < Rounds; round++)
            {
                bestOn = Math.Max(bestOn, rates[0, round]);
                bestOff = Math.Max(bestOff, rates[1, round]);
            }
            Array.Sort(ratios);
            double median = (ratios[Rounds / 2 - 1] + ratios[Rounds / 2]) / 2;
            string suffix = $"b{Batch} t{threads}, {Sides}";
            yield return new BenchmarkResult($"dcgan step {suffix}, fastest rounds", bestOn, bestOff, BenchmarkUnit.StepsPerSecond, flops, PeerName: OffName);
            yield return new BenchmarkResult($"dcgan step {suffix}, median of {Rounds} round ratios", median, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult(
                $"dcgan step {suffix}, round ratios {ratios[0].ToString("F3", CultureInfo.InvariantCulture)}–{ratios[^1].ToString("F3", CultureInfo.InvariantCulture)}",
                ratios[^1] / ratios[0], double.NaN, BenchmarkUnit.Times);
        }
    }
}

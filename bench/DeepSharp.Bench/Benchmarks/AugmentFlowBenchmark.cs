using System.Diagnostics;
using System.Globalization;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed CNN trained plain and augmented in one Fit, the setting switched epoch by epoch, so that every setting sees
/// the same state of a shared machine: epoch e trains on setting e mod 4 of plain tensors (a shuffled
/// <see cref="DataLoader"/>), the augmented flow with its batches made by the kernel threads between their jobs
/// (<see cref="BatchPreparation.Pool"/>), on the flow's own thread (<see cref="BatchPreparation.Thread"/>, the old
/// default) and inline (<see cref="BatchPreparation.Inline"/>); the first cycle warms up. Each epoch gives its
/// samples/s as a whole and over its fastest eighth (<see cref="StepTimes"/>' rule), and the training thread's mean time a
/// step between the end of one step and the start of the next (taking the batch: the wait for an augmented one). The
/// rows are the medians over the cycles of each setting's rate over plain's in the same cycle, and of the mean waits.
/// </summary>
internal sealed class AugmentFlowBenchmark : IBenchmark
{
    private const int Images = 8192;
    private const int Cycles = 6; // timed; one more warms up

    private static readonly (string Name, BatchPreparation Mode)[] Settings =
    [
        ("plain", BatchPreparation.Auto), ("pool", BatchPreparation.Pool), ("thread", BatchPreparation.Thread),
        ("inline", BatchPreparation.Inline),
    ];

    public string Name => "augment-flow";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        using var x = Tensor.FromArray(Ops.Slice(train.X, 0, 0, Images).ToArray(), Images, 28, 28, 1);
        using var y = Tensor.FromArray(Ops.Slice(train.Y, 0, 0, Images).ToArray());
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Cnn(10));
        foreach (int batch in options.BatchesOr(32, 128))
            foreach (int threads in options.Threads)
                foreach (var row in Rows(x, y, batch, threads, flops)) yield return row;
    }

    private static IEnumerable<BenchmarkResult> Rows(Tensor x, Tensor y, int batch, int threads, double flops)
    {
        Parallelism.Threads = threads;
        RandomGenerator.SetSeed(1);
        var model = DeepSharp.Examples.SeedModels.Cnn(10);
        model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
        using var plain = new DataLoader(x, y, batchSize: batch, shuffle: true, seed: 1);
        using var flow = CnnBenchmark.Augmentation().Flow(x, y, batchSize: batch, seed: 1);
        var source = new Alternating(plain, flow);
        int epochs = Settings.Length * (Cycles + 1);
        var recorder = new Recorder(source.BatchesPerEpoch, epochs, batch);
        var saved = ImageFlow.Preparation;
        try
        {
            model.Fit(source, epochs: epochs, verbose: 0, callbacks: [recorder]);
        }
        finally
        {
            ImageFlow.Preparation = saved;
        }

        string name = $"cnn b{batch} t{threads}";
        var ratios = new List<double>[Settings.Length];
        var waits = new List<double>[Settings.Length];
        for (int s = 0; s < Settings.Length; s++) (ratios[s], waits[s]) = ([], []);
        for (int cycle = 1; cycle <= Cycles; cycle++)
        {
            var line = new List<string>();
            double plainRate = recorder.WholeRate(cycle * Settings.Length);
            for (int s = 0; s < Settings.Length; s++)
            {
                int epoch = cycle * Settings.Length + s;
                double whole = recorder.WholeRate(epoch), fastest = recorder.FastestEighthRate(epoch), wait = recorder.MeanWaitMicroseconds(epoch);
                ratios[s].Add(whole / plainRate);
                waits[s].Add(wait);
                line.Add(string.Create(CultureInfo.InvariantCulture, $"{Settings[s].Name} {whole:F0} ({fastest:F0} fastest eighth, wait {wait:F1} µs)"));
            }
            Console.WriteLine($"augment-flow {name} cycle {cycle} (load {LoadAverage()}): {string.Join(", ", line)}");
        }
        double plainBest = Enumerable.Range(1, Cycles).Max(c => recorder.WholeRate(c * Settings.Length));
        yield return new BenchmarkResult($"{name} plain epochs (best)", plainBest, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
        for (int s = 1; s < Settings.Length; s++)
        {
            int setting = s;
            double best = Enumerable.Range(1, Cycles).Max(c => recorder.WholeRate(c * Settings.Length + setting));
            yield return new BenchmarkResult($"{name} {Settings[s].Name} epochs (best)", best, plainBest, BenchmarkUnit.SamplesPerSecond, flops, PeerName: "plain");
            yield return new BenchmarkResult($"{name} {Settings[s].Name} / plain, median of cycles", Median(ratios[s]), double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{name} {Settings[s].Name} / plain, worst cycle", ratios[s].Min(), double.NaN, BenchmarkUnit.Times);
        }
        for (int s = 0; s < Settings.Length; s++)
            yield return new BenchmarkResult($"{name} taking a batch, {Settings[s].Name} (median of epoch means)", Median(waits[s]), double.NaN, BenchmarkUnit.Microseconds);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Epoch e's batches from the plain loader or from the flow, as setting e mod 4 says; sets the flow's preparation.</summary>
    private sealed class Alternating(DataLoader plain, ImageFlow flow) : IBatchSource
    {
        public int BatchesPerEpoch => ((IBatchSource)plain).BatchesPerEpoch;

        public int SampleCount => ((IBatchSource)plain).SampleCount;

        public IEnumerable<Batch> GetBatches(int epoch)
        {
            var setting = Settings[epoch % Settings.Length];
            if (setting.Name == "plain") return ((IBatchSource)plain).GetBatches(epoch);
            ImageFlow.Preparation = setting.Mode; // read when the flow's enumeration starts
            return ((IBatchSource)flow).GetBatches(epoch);
        }
    }

    /// <summary>When each step began and ended, epoch by epoch (arrays made up front: a step allocates nothing).</summary>
    private sealed class Recorder(int steps, int epochs, int batch) : Callback
    {
        private readonly long[][] _begins = [.. Enumerable.Range(0, epochs).Select(_ => new long[steps])];
        private readonly long[][] _ends = [.. Enumerable.Range(0, epochs).Select(_ => new long[steps + 1])];
        private int _epoch;

        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            _epoch = epoch;
            _ends[epoch][0] = Stopwatch.GetTimestamp();
        }

        public override void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, double> logs) => _begins[_epoch][batch] = Stopwatch.GetTimestamp();

        public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => _ends[_epoch][batch + 1] = Stopwatch.GetTimestamp();

        /// <summary>Samples/s over the epoch's full batches (its first batch, which starts the flow, left out).</summary>
        public double WholeRate(int epoch)
        {
            int full = Images / batch;
            return (full - 1) * (double)batch / ((_ends[epoch][full] - _ends[epoch][1]) / (double)Stopwatch.Frequency);
        }

        /// <summary>Samples/s over the fastest of eight equal runs of the epoch's full batches.</summary>
        public double FastestEighthRate(int epoch)
        {
            int full = Images / batch, run = Math.Max(1, full / 8);
            double best = 0;
            for (int first = 0; first + run <= full; first += run)
                best = Math.Max(best, run * (double)batch / ((_ends[epoch][first + run] - _ends[epoch][first]) / (double)Stopwatch.Frequency));
            return best;
        }

        /// <summary>The mean time from a step's end to the next step's start (the next batch taken), over the epoch.</summary>
        public double MeanWaitMicroseconds(int epoch)
        {
            long sum = 0;
            for (int s = 1; s < steps; s++) sum += _begins[epoch][s] - _ends[epoch][s];
            return sum * 1e6 / Stopwatch.Frequency / (steps - 1);
        }
    }
}

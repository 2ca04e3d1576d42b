using System.Diagnostics;
using System.Globalization;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed CNN trained plain and augmented in one Fit, the setting switched epoch by epoch, so that every setting sees
/// the same state of a shared machine: each cycle trains a fresh model for four epochs, one on each of plain tensors (a shuffled
/// <see cref="DataLoader"/>), the augmented flow with its batches made by the kernel threads between their jobs
/// (<see cref="BatchPreparation.Pool"/>), on the flow's own thread (<see cref="BatchPreparation.Thread"/>, the old
/// default) and inline (<see cref="BatchPreparation.Inline"/>), in an order rotated from cycle to cycle; the first cycle
/// warms up. An epoch is 64 steps (the
/// first 2,048 Fashion-MNIST images at b32, 8,192 at b128), so the settings alternate every 0.1–0.5 s on a quiet
/// machine. Each epoch gives its
/// samples/s as a whole and over its fastest eighth (<see cref="StepTimes"/>' rule), and the training thread's mean time a
/// step between the end of one step and the start of the next (taking the batch: the wait for an augmented one). The
/// rows are each setting's best epoch and fastest eighth against plain's, the median and the worst over the cycles of its
/// rate over plain's in the same cycle, and the median of the mean waits.
/// </summary>
internal sealed class AugmentFlowBenchmark : IBenchmark
{
    private const int Images = 8192;
    private const int StepsPerEpoch = 64; // short epochs, so that the settings alternate often
    private const int Cycles = 12;        // timed; one more warms up

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
            {
                int images = Math.Min(Images, StepsPerEpoch * batch);
                using var xs = Ops.Slice(x, 0, 0, images);
                using var ys = Ops.Slice(y, 0, 0, images);
                foreach (var row in Rows(xs, ys, batch, threads, flops)) yield return row;
            }
    }

    private static IEnumerable<BenchmarkResult> Rows(Tensor x, Tensor y, int batch, int threads, double flops)
    {
        Parallelism.Threads = threads;
        using var plain = new DataLoader(x, y, batchSize: batch, shuffle: true, seed: 1);
        using var flow = CnnBenchmark.Augmentation().Flow(x, y, batchSize: batch, seed: 1);
        var source = new Alternating(plain, flow);
        var recorder = new Recorder(x.Shape[0], source.BatchesPerEpoch, Settings.Length * (Cycles + 1), batch);
        var saved = ImageFlow.Preparation;
        try
        {
            // A fresh model each cycle (a model that has learned its few images by heart trains at another speed), its
            // four epochs in an order rotated from cycle to cycle, so that each setting meets each stage of training.
            for (int cycle = 0; cycle <= Cycles; cycle++)
            {
                RandomGenerator.SetSeed(1);
                var model = DeepSharp.Examples.SeedModels.Cnn(10);
                model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
                source.Cycle = recorder.Cycle = cycle;
                model.Fit(source, epochs: Settings.Length, verbose: 0, callbacks: [recorder]);
            }
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
        double Best(int setting, Func<int, double> rate) => Enumerable.Range(1, Cycles).Max(c => rate(c * Settings.Length + setting));
        double plainBest = Best(0, recorder.WholeRate), plainEighth = Best(0, recorder.FastestEighthRate);
        yield return new BenchmarkResult($"{name} plain epochs (best)", plainBest, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
        yield return new BenchmarkResult($"{name} plain fastest eighth", plainEighth, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
        for (int s = 1; s < Settings.Length; s++)
        {
            yield return new BenchmarkResult($"{name} {Settings[s].Name} epochs (best)", Best(s, recorder.WholeRate), plainBest, BenchmarkUnit.SamplesPerSecond, flops,
                PeerName: "plain");
            yield return new BenchmarkResult($"{name} {Settings[s].Name} fastest eighth", Best(s, recorder.FastestEighthRate), plainEighth, BenchmarkUnit.SamplesPerSecond,
                flops, PeerName: "plain");
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

    /// <summary>Which setting epoch <paramref name="epoch"/> of cycle <paramref name="cycle"/> trains on.</summary>
    private static int SettingOf(int cycle, int epoch) => (epoch + cycle) % Settings.Length;

    /// <summary>An epoch's batches from the plain loader or from the flow, as <see cref="SettingOf"/> says; sets the flow's preparation.</summary>
    private sealed class Alternating(DataLoader plain, ImageFlow flow) : IBatchSource
    {
        public int Cycle { get; set; }

        public int BatchesPerEpoch => ((IBatchSource)plain).BatchesPerEpoch;

        public int SampleCount => ((IBatchSource)plain).SampleCount;

        public IEnumerable<Batch> GetBatches(int epoch)
        {
            var setting = Settings[SettingOf(Cycle, epoch)];
            if (setting.Name == "plain") return ((IBatchSource)plain).GetBatches(epoch);
            ImageFlow.Preparation = setting.Mode; // read when the flow's enumeration starts
            return ((IBatchSource)flow).GetBatches(epoch);
        }
    }

    /// <summary>When each step began and ended, epoch by epoch (arrays made up front: a step allocates nothing).</summary>
    private sealed class Recorder(int images, int steps, int epochs, int batch) : Callback
    {
        private readonly long[][] _begins = [.. Enumerable.Range(0, epochs).Select(_ => new long[steps])];
        private readonly long[][] _ends = [.. Enumerable.Range(0, epochs).Select(_ => new long[steps + 1])];
        private int _epoch;

        public int Cycle { get; set; }

        /// <summary>Marks are kept by cycle and setting: index cycle · 4 + setting.</summary>
        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            _epoch = Cycle * Settings.Length + SettingOf(Cycle, epoch);
            _ends[_epoch][0] = Stopwatch.GetTimestamp();
        }

        public override void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, double> logs) => _begins[_epoch][batch] = Stopwatch.GetTimestamp();

        public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => _ends[_epoch][batch + 1] = Stopwatch.GetTimestamp();

        /// <summary>Samples/s over the epoch's full batches (its first batch, which starts the flow, left out).</summary>
        public double WholeRate(int epoch)
        {
            int full = images / batch;
            return (full - 1) * (double)batch / ((_ends[epoch][full] - _ends[epoch][1]) / (double)Stopwatch.Frequency);
        }

        /// <summary>Samples/s over the fastest of eight equal runs of the epoch's full batches.</summary>
        public double FastestEighthRate(int epoch)
        {
            int full = images / batch, run = Math.Max(1, full / 8);
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

using System.Globalization;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed CNN's augmentation (<see cref="CnnBenchmark.Augmentation"/>) as A/B comparisons in one process, DeepSharp
/// against itself. The warp on one thread, per image, over 28×28 Fashion-MNIST images with the transforms drawn
/// beforehand: the permute path (<see cref="AffineRows512"/>) against the AVX2 gather path; then the draw of a transform
/// alone and draw plus warp as a flow's worker runs them. Then the cnn row's training, Fit on 8,192 images for three
/// epochs (the fastest eighth of a timed epoch, as there), in rounds that alternate: plain tensors; the augmented flow;
/// the augmented flow with the gather path; the augmented flow made inline (<see cref="BatchPreparation.Inline"/>: by the
/// training thread and the kernel threads when a step asks for its batch); a flow that only copies (no transform: what
/// the flow's preparation and handover cost); the augmented flow on its own thread (<see cref="BatchPreparation.Thread"/>,
/// the default before the kernel threads made the batches between their jobs). "augmented" is the default
/// (<see cref="BatchPreparation.Auto"/>). Each round prints its figures, with the process's CPU time a sample over the timed
/// epochs (every thread's: on a loaded machine the figure to compare at one thread, where the clock mostly measures the
/// neighbours); the rows give each setting's best round and augmented over plain.
/// </summary>
internal sealed class AugmentBenchmark : IBenchmark
{
    private const int Images = 8192;
    private const int WarpImages = 1024;
    private const int Rounds = 3;

    public string Name => "augment";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        using var x = Tensor.FromArray(Ops.Slice(train.X, 0, 0, Images).ToArray(), Images, 28, 28, 1);
        using var y = Tensor.FromArray(Ops.Slice(train.Y, 0, 0, Images).ToArray());
        foreach (var row in WarpRows(x)) yield return row;
        foreach (int batch in options.BatchesOr(32, 128))
            foreach (int threads in options.Threads)
                foreach (var row in TrainingRows(x, y, batch, threads)) yield return row;
    }

    private static unsafe List<BenchmarkResult> WarpRows(Tensor x)
    {
        var generator = CnnBenchmark.Augmentation();
        var random = new RandomGenerator(1);
        var maps = new AffineMap[WarpImages];
        for (int i = 0; i < maps.Length; i++) maps[i] = generator.GetRandomTransform(28, 28, random).ToAffineMap(28, 28);
        var output = new float[128 * 28 * 28]; // a b128 batch's slot, written over and over
        float* source = x.Pointer;
        bool saved = AffineRows512.Enabled;
        void Warp(bool permute)
        {
            AffineRows512.Enabled = permute;
            fixed (float* o = output)
                for (int i = 0; i < WarpImages; i++)
                    AffineResampler.Resample(source + (long)(i * 7 % Images) * 784, o + (i & 127) * 784, 28, 28, 1, maps[i],
                        FillMode.Nearest, 0, bilinear: true, scale: 1f);
        }
        double permuteSeconds, gatherSeconds, drawSeconds, augmentSeconds;
        int saveThreads = Parallelism.Threads;
        Parallelism.Threads = 1;
        try
        {
            (permuteSeconds, gatherSeconds) = Measure.SecondsPerCall(() => Warp(true), () => Warp(false));
            AffineRows512.Enabled = saved;
            drawSeconds = Measure.SecondsPerCall(() =>
            {
                for (int i = 0; i < WarpImages; i++) maps[i] = generator.GetRandomTransform(28, 28, random).ToAffineMap(28, 28);
            });
            augmentSeconds = Measure.SecondsPerCall(() =>
            {
                fixed (float* o = output)
                    for (int i = 0; i < WarpImages; i++)
                        generator.AugmentInto(source + (long)(i * 7 % Images) * 784, o + (i & 127) * 784, 28, 28, 1, random);
            });
        }
        finally
        {
            AffineRows512.Enabled = saved;
            Parallelism.Threads = saveThreads;
        }
        double perImage = 1e6 / WarpImages;
        return
        [
            new BenchmarkResult("augment warp 28x28 t1 permute", permuteSeconds * perImage, gatherSeconds * perImage,
                BenchmarkUnit.Microseconds, PeerName: "gather"),
            new BenchmarkResult("augment draw 28x28 t1", drawSeconds * perImage, double.NaN, BenchmarkUnit.Microseconds),
            new BenchmarkResult("augment draw+warp 28x28 t1", augmentSeconds * perImage, double.NaN, BenchmarkUnit.Microseconds),
        ];
    }

    private static IEnumerable<BenchmarkResult> TrainingRows(Tensor x, Tensor y, int batch, int threads)
    {
        var settings = new (string Name, ImageDataGenerator? Generator, bool Permute, BatchPreparation Mode)[]
        {
            ("plain", null, true, BatchPreparation.Auto),
            ("augmented", CnnBenchmark.Augmentation(), true, BatchPreparation.Auto),
            ("augmented, gather", CnnBenchmark.Augmentation(), false, BatchPreparation.Auto),
            ("augmented, inline", CnnBenchmark.Augmentation(), true, BatchPreparation.Inline),
            ("flow, no transform", new ImageDataGenerator(), true, BatchPreparation.Auto),
            ("augmented, thread", CnnBenchmark.Augmentation(), true, BatchPreparation.Thread),
        };
        var best = new double[settings.Length];
        var cpu = Enumerable.Repeat(double.PositiveInfinity, settings.Length).ToArray();
        bool saved = AffineRows512.Enabled;
        var savedMode = ImageFlow.Preparation;
        try
        {
            for (int round = 0; round < Rounds; round++)
            {
                var line = new List<string>();
                for (int s = 0; s < settings.Length; s++)
                {
                    AffineRows512.Enabled = settings[s].Permute;
                    ImageFlow.Preparation = settings[s].Mode;
                    var clock = new CpuClock();
                    double rate = CnnBenchmark.DeepSharpRun(x, y, batch, threads, settings[s].Generator, clock).Times.FastestSliceSamplesPerSecond;
                    double microseconds = clock.Seconds / (2.0 * x.Shape[0]) * 1e6;
                    best[s] = Math.Max(best[s], rate);
                    cpu[s] = Math.Min(cpu[s], microseconds);
                    line.Add(string.Create(CultureInfo.InvariantCulture, $"{settings[s].Name} {rate:F0} ({microseconds:F2} µs CPU)"));
                }
                Console.WriteLine($"augment cnn b{batch} t{threads} round {round + 1} (load {LoadAverage()}), samples/s and process CPU time a sample: {string.Join(", ", line)}");
            }
        }
        finally
        {
            AffineRows512.Enabled = saved;
            ImageFlow.Preparation = savedMode;
        }
        string name = $"cnn b{batch} t{threads}";
        yield return new BenchmarkResult($"{name} plain", best[0], double.NaN, BenchmarkUnit.SamplesPerSecond);
        yield return new BenchmarkResult($"{name} augmented", best[1], best[2], BenchmarkUnit.SamplesPerSecond, PeerName: "gather");
        yield return new BenchmarkResult($"{name} augmented inline", best[3], best[1], BenchmarkUnit.SamplesPerSecond, PeerName: "default");
        yield return new BenchmarkResult($"{name} augmented thread", best[5], best[1], BenchmarkUnit.SamplesPerSecond, PeerName: "default");
        yield return new BenchmarkResult($"{name} flow, no transform", best[4], double.NaN, BenchmarkUnit.SamplesPerSecond);
        yield return new BenchmarkResult($"{name} augmented / plain", best[1] / best[0], best[2] / best[0], BenchmarkUnit.Times, PeerName: "gather");
        yield return new BenchmarkResult($"{name} augmented inline / plain", best[3] / best[0], best[1] / best[0], BenchmarkUnit.Times, PeerName: "default");
        yield return new BenchmarkResult($"{name} augmented thread / plain", best[5] / best[0], best[1] / best[0], BenchmarkUnit.Times, PeerName: "default");
        for (int s = 0; s < settings.Length; s++)
            yield return new BenchmarkResult($"{name} CPU a sample, {settings[s].Name}", cpu[s], double.NaN, BenchmarkUnit.Microseconds);
    }

    /// <summary>The process's CPU time over the timed epochs (1 and 2) of a three-epoch Fit: every thread's, the flow's included.</summary>
    private sealed class CpuClock : Callback
    {
        private TimeSpan _start;

        public double Seconds { get; private set; }

        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (epoch == 1) _start = Now();
        }

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (epoch == 2) Seconds = (Now() - _start).TotalSeconds;
        }

        private static TimeSpan Now()
        {
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return process.TotalProcessorTime;
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}

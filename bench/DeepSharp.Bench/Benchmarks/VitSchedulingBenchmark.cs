using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step (<see cref="VitBenchmark"/>'s model and batch) with the worker pool's blocks of items per
/// thread (<see cref="WorkerPool.Blocks"/>) and a Dense layer's two gradient products as one job
/// (<see cref="DenseBiasActivation.GradientsTogether"/>) against both off (items handed to whichever thread asks next,
/// the products one after the other), in alternating blocks in one process, so that both sides see the same state of a
/// shared machine. The "peer" column is the step with the switches off; <c>DEEPSHARP_WORKERS=shared</c> or
/// <c>DEEPSHARP_DENSE_GRADIENTS=separate</c> at start leaves that switch off on both sides, so that the row measures the
/// other alone.
/// </summary>
internal sealed class VitSchedulingBenchmark : IBenchmark
{
    private const int Batch = 128;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(300);

    public string Name => "vit-scheduling";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 12);
        using var x = Tensor.FromArray(pixels, Batch, 28, 28);
        using var y = Tensor.FromArray(labels);
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Vit(10));
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            RandomGenerator.SetSeed(1);
            var model = DeepSharp.Examples.SeedModels.Vit(10);
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            var (on, off) = Measure.SecondsPerCall(
                () => { Switch(true); model.TrainOnBatch(x, y); },
                () => { Switch(false); model.TrainOnBatch(x, y); },
                RunLength);
            Switch(true);
            yield return new BenchmarkResult($"vit train b{Batch} t{threads}, on vs off", Batch / on, Batch / off, BenchmarkUnit.SamplesPerSecond, flops,
                PeerName: "switches off");
        }
    }

    private static readonly bool BlocksAtStart = WorkerPool.Blocks, TogetherAtStart = DenseBiasActivation.GradientsTogether;

    private static void Switch(bool on)
    {
        WorkerPool.Blocks = on && BlocksAtStart;
        DenseBiasActivation.GradientsTogether = on && TogetherAtStart;
    }
}

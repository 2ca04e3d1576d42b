using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's training step (<see cref="VitBenchmark"/>'s model and batch) with some switches of the library on against
/// off, in alternating blocks in one process, so that both sides see the same state of a shared machine. The "peer"
/// column is the step with the switches off. A switch that its environment variable turned off at start stays off on
/// both sides, so that the row then measures the others alone.
/// </summary>
internal abstract class VitSwitchBenchmark : IBenchmark
{
    private const int Batch = 128;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(300);

    public abstract string Name { get; }

    /// <summary>The row's label for the two sides, e.g. "fused vs separate".</summary>
    protected abstract string Sides { get; }

    /// <summary>The peer column's name (the switches off).</summary>
    protected abstract string OffName { get; }

    /// <summary>Turns the switches on (each only if it was on at start) or off.</summary>
    protected abstract void Switch(bool on);

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
            yield return new BenchmarkResult($"vit train b{Batch} t{threads}, {Sides}", Batch / on, Batch / off, BenchmarkUnit.SamplesPerSecond, flops,
                PeerName: OffName);
        }
    }
}

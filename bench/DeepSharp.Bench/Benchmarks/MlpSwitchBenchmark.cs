namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed MLP's training step (<see cref="MlpBenchmark"/>'s model, Adam, accuracy tracked; a synthetic batch through
/// TrainOnBatch) with some switches of the library on against off, at batch 32 and 128, in alternating blocks in one
/// process (<see cref="PairedRounds"/>). The row gives each side's fastest round; the console the quartiles of the
/// rounds' ratios. The "peer" column is the step with the switches off. A switch that its environment variable turned off
/// at start stays off on both sides.
/// </summary>
internal abstract class MlpSwitchBenchmark : IBenchmark
{
    private static readonly int[] BatchSizes = [32, 128];
    private const int Rounds = 600, StepsPerSide = 10, WarmUpSteps = 300;

    public abstract string Name { get; }

    /// <summary>The row's label for the two sides, e.g. "together vs one by one".</summary>
    protected abstract string Sides { get; }

    /// <summary>The peer column's name (the switches off).</summary>
    protected abstract string OffName { get; }

    /// <summary>Turns the switches on (each only if it was on at start) or off.</summary>
    protected abstract void Switch(bool on);

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Mlp(10));
        foreach (int batch in BatchSizes)
        {
            var (pixels, labels) = SyntheticBatch.Images(batch, seed: 12);
            using var x = Tensor.FromArray(pixels, batch, 28, 28);
            using var y = Tensor.FromArray(labels);
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                RandomGenerator.SetSeed(1);
                var model = DeepSharp.Examples.SeedModels.Mlp(10);
                model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy", ["accuracy"]);
                var (on, off, ratios) = PairedRounds.Run(Switch, () => model.TrainOnBatch(x, y), Rounds, StepsPerSide, WarmUpSteps);
                Console.WriteLine($"  {Name} b{batch} t{threads}: {PairedRounds.Describe(ratios)}");
                Switch(true);
                yield return new BenchmarkResult($"mlp train b{batch} t{threads}, {Sides}", batch / on, batch / off, BenchmarkUnit.SamplesPerSecond, flops,
                    PeerName: OffName);
            }
        }
    }
}

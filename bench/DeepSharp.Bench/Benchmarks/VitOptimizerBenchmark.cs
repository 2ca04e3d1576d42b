namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's step (<see cref="VitBenchmark"/>'s model and batch) with the optimizer's variables updated as one parallel
/// job (<c>ParameterUpdates.Together</c>) against one by one (<c>DEEPSHARP_OPTIMIZER=separate</c>), in paired rounds in
/// one process (<see cref="PairedRounds"/>): most of its variables are too short to be shared out alone. The row gives
/// each side's fastest round, the console the quartiles of the rounds' ratios.
/// </summary>
internal sealed class VitOptimizerBenchmark : IBenchmark
{
    private const int Batch = 128, Rounds = 60, StepsPerSide = 2, WarmUpSteps = 20;
    private static readonly bool TogetherAtStart = ParameterUpdates.Together;

    public string Name => "vit-optimizer";

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
            var (on, off, ratios) = PairedRounds.Run(state => ParameterUpdates.Together = state && TogetherAtStart, () => model.TrainOnBatch(x, y),
                Rounds, StepsPerSide, WarmUpSteps);
            ParameterUpdates.Together = TogetherAtStart;
            Console.WriteLine($"  {Name} t{threads}: {PairedRounds.Describe(ratios)}");
            yield return new BenchmarkResult($"vit train b{Batch} t{threads}, variables together", Batch / on, Batch / off, BenchmarkUnit.SamplesPerSecond, flops,
                PeerName: "one by one");
        }
    }
}

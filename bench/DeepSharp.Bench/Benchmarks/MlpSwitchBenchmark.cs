namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed MLP's training step (<see cref="MlpBenchmark"/>'s model, Adam, accuracy tracked; a synthetic batch through
/// TrainOnBatch) with some switches of the library on against off, at batch 32 and 128, in alternating blocks in one
/// process, so that both sides see the same state of a shared machine: many short rounds, each timing a few steps with the
/// switches on and a few with them off (which goes first alternates). The row gives each side's fastest round; the
/// console gets the median and quartiles of the rounds' ratios (off time / on time), which a load that comes and goes
/// moves less. The "peer" column is the step with the switches off. A switch that its environment variable turned off
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
                var (on, off) = Alternate(model, x, y);
                Switch(true);
                yield return new BenchmarkResult($"mlp train b{batch} t{threads}, {Sides}", batch / on, batch / off, BenchmarkUnit.SamplesPerSecond, flops,
                    PeerName: OffName);
            }
        }
    }

    /// <summary>Seconds per step of the fastest round with the switches on and off; prints the rounds' ratios.</summary>
    private (double On, double Off) Alternate(Model model, Tensor x, Tensor y)
    {
        for (int i = 0; i < WarmUpSteps; i++)
        {
            Switch(i % 2 == 0);
            model.TrainOnBatch(x, y);
        }
        var on = new double[Rounds];
        var off = new double[Rounds];
        for (int round = 0; round < Rounds; round++)
        {
            bool onFirst = round % 2 == 0;
            for (int side = 0; side < 2; side++)
            {
                bool state = onFirst == (side == 0);
                Switch(state);
                model.TrainOnBatch(x, y); // the first step after a switch is not timed
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                for (int i = 0; i < StepsPerSide; i++) model.TrainOnBatch(x, y);
                double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / StepsPerSide;
                (state ? on : off)[round] = seconds;
            }
        }
        var ratios = on.Zip(off, (a, b) => b / a).Order().ToArray();
        Console.WriteLine($"  {Name}: {Rounds} rounds of {StepsPerSide} steps a side; ratio off/on per round: quartiles {ratios[Rounds / 4]:F3} / " +
            $"median {ratios[Rounds / 2]:F3} / {ratios[3 * Rounds / 4]:F3}; fastest round on {on.Min() * 1e6:F1} us, off {off.Min() * 1e6:F1} us; " +
            $"median round on {on.Order().ElementAt(Rounds / 2) * 1e6:F1} us, off {off.Order().ElementAt(Rounds / 2) * 1e6:F1} us");
        return (on.Min(), off.Min());
    }
}

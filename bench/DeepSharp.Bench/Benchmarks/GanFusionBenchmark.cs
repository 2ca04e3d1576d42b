using DeepSharp.Examples;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// A/B in one process of the DCGAN step (<c>gan</c>, batch 64): the discriminator's convolutions with their LeakyReLU and
/// Dropout run as one op (<see cref="Ops.FusesActivations"/>) against the three layers apart, alternating in
/// blocks as the other rows alternate with their peer. Both sides train the same models from the same seeds; the switch
/// changes no value, only how many passes over memory a step makes.
/// </summary>
internal sealed class GanFusionBenchmark : IBenchmark
{
    private const int Batch = 64;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(600);

    public string Name => "gan-fusion";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var pixels = SyntheticBatch.GanImages(Batch);
        using var real = Tensor.FromArray(pixels, Batch, 28, 28, 1);
        double flops = TrainingFlops.GanStep(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), Batch);
        bool saved = Ops.FusesActivations;
        try
        {
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                RandomGenerator.SetSeed(1);
                var fused = new GanTrainer(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), GanModels.Optimizer(), GanModels.Optimizer(),
                    GanModels.NoiseDim, realLabel: 0.9f, seed: 1);
                RandomGenerator.SetSeed(1);
                var apart = new GanTrainer(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), GanModels.Optimizer(), GanModels.Optimizer(),
                    GanModels.NoiseDim, realLabel: 0.9f, seed: 1);
                var (a, b) = Measure.SecondsPerCall(
                    () => { Ops.FusesActivations = true; fused.TrainStep(real); },
                    () => { Ops.FusesActivations = false; apart.TrainStep(real); },
                    RunLength);
                yield return new BenchmarkResult($"dcgan step b{Batch} t{threads} fused", 1 / a, 1 / b, BenchmarkUnit.StepsPerSecond, flops,
                    PeerName: "apart");
            }
        }
        finally
        {
            Ops.FusesActivations = saved;
        }
    }
}

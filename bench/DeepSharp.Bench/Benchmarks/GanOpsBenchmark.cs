using DeepSharp.Examples;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the DCGAN step of <c>gan</c> (batch 64, <see cref="GanTrainer.TrainStep"/>) goes, op by op
/// (<see cref="OpTimelineRows"/>): µs per step of each op's forward and backward at the model's shapes. No peer.
/// </summary>
internal sealed class GanOpsBenchmark : IBenchmark
{
    private const int Batch = 64, WarmUpSteps = 20;

    public string Name => "gan-ops";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var pixels = SyntheticBatch.GanImages(Batch);
        using var real = Tensor.FromArray(pixels, Batch, 28, 28, 1);
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            RandomGenerator.SetSeed(1);
            var trainer = new GanTrainer(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), GanModels.Optimizer(), GanModels.Optimizer(),
                GanModels.NoiseDim, realLabel: 0.9f, seed: 1);
            for (int i = 0; i < WarmUpSteps; i++) trainer.TrainStep(real);
            foreach (var row in OpTimelineRows.Measure(() => trainer.TrainStep(real), $"b{Batch} t{threads}")) yield return row;
        }
    }
}

using DeepSharp.Examples;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// DCGAN training steps per second at batch 64: one discriminator step (real and generated batch) and one
/// generator step through the discriminator, the step <c>deepsharp train gan --arch dcgan</c> takes. DeepSharp
/// runs <see cref="GanTrainer.TrainStep"/> on <see cref="GanModels"/>' DCGAN (NHWC); TorchSharp the same models
/// in NCHW with the loop of PyTorch's DCGAN example (the generator runs once, its output detached for the
/// discriminator step; BCE on logits; Adam(2e-4, 0.5) each). Also reports DeepSharp's managed bytes per step.
/// </summary>
internal sealed class GanBenchmark : IBenchmark
{
    private const int Batch = 64;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(600);

    public string Name => "gan";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var pixels = SyntheticBatch.GanImages(Batch);
        using var real = Tensor.FromArray(pixels, Batch, 28, 28, 1);
        using var torchReal = torch.tensor(pixels, new long[] { Batch, 28, 28, 1 }).permute(0, 3, 1, 2).contiguous();
        double flops = TrainingFlops.GanStep(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), Batch);
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            torch.set_num_threads(threads);
            RandomGenerator.SetSeed(1);
            var trainer = new GanTrainer(GanModels.DcganGenerator(), GanModels.DcganDiscriminator(), GanModels.Optimizer(), GanModels.Optimizer(),
                GanModels.NoiseDim, realLabel: 0.9f, seed: 1);
            torch.manual_seed(1);
            var torchGan = new TorchDcgan();

            var (ours, theirs) = Measure.SecondsPerCall(() => trainer.TrainStep(real), () => torchGan.Step(torchReal), RunLength);
            yield return new BenchmarkResult($"dcgan step b{Batch} t{threads}", 1 / ours, 1 / theirs, BenchmarkUnit.StepsPerSecond, flops);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) trainer.TrainStep(real);
            long bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / 5;
            yield return new BenchmarkResult($"dcgan bytes/step b{Batch} t{threads}", bytes, double.NaN, BenchmarkUnit.Bytes);
            torchGan.Dispose();
        }
    }

    /// <summary>The DCGAN of <see cref="GanModels"/> in TorchSharp (NCHW), trained as PyTorch's DCGAN example does.</summary>
    private sealed class TorchDcgan : IDisposable
    {
        private readonly Module<TorchTensor, TorchTensor> _generator = Sequential(
            ("dense", Linear(GanModels.NoiseDim, 7 * 7 * 128, hasBias: false)), ("bn0", BatchNorm1d(7 * 7 * 128, momentum: 0.1)), ("act0", LeakyReLU(0.2)),
            ("reshape", Unflatten(1, new long[] { 128, 7, 7 })),
            ("deconv1", ConvTranspose2d(128, 64, 4, stride: 2, padding: 1, bias: false)), ("bn1", BatchNorm2d(64, momentum: 0.1)), ("act1", LeakyReLU(0.2)),
            ("deconv2", ConvTranspose2d(64, 1, 4, stride: 2, padding: 1)), ("tanh", Tanh()));

        private readonly Module<TorchTensor, TorchTensor> _discriminator = Sequential(
            ("conv1", Conv2d(1, 64, 5, stride: 2, padding: 2)), ("act1", LeakyReLU(0.2)), ("drop1", Dropout(0.3)),
            ("conv2", Conv2d(64, 128, 5, stride: 2, padding: 2)), ("act2", LeakyReLU(0.2)), ("drop2", Dropout(0.3)),
            ("flatten", Flatten()), ("dense", Linear(7 * 7 * 128, 1)));

        private readonly optim.Optimizer _generatorOptimizer;
        private readonly optim.Optimizer _discriminatorOptimizer;
        private readonly TorchTensor _real = torch.full(Batch, 1, 0.9f);
        private readonly TorchTensor _fake = torch.zeros(Batch, 1);
        private readonly TorchTensor _ones = torch.ones(Batch, 1);

        public TorchDcgan()
        {
            _generator.train();
            _discriminator.train();
            _generatorOptimizer = optim.Adam(_generator.parameters(), 2e-4, beta1: 0.5);
            _discriminatorOptimizer = optim.Adam(_discriminator.parameters(), 2e-4, beta1: 0.5);
        }

        public void Step(TorchTensor real)
        {
            using var scope = torch.NewDisposeScope();
            var fake = _generator.forward(torch.randn(Batch, GanModels.NoiseDim));
            _discriminatorOptimizer.zero_grad();
            var discriminatorLoss = functional.binary_cross_entropy_with_logits(_discriminator.forward(real), _real)
                + functional.binary_cross_entropy_with_logits(_discriminator.forward(fake.detach()), _fake);
            discriminatorLoss.backward();
            _discriminatorOptimizer.step();
            _generatorOptimizer.zero_grad();
            var generatorLoss = functional.binary_cross_entropy_with_logits(_discriminator.forward(fake), _ones);
            generatorLoss.backward();
            _generatorOptimizer.step();
        }

        public void Dispose()
        {
            _generatorOptimizer.Dispose();
            _discriminatorOptimizer.Dispose();
            _generator.Dispose();
            _discriminator.Dispose();
            _real.Dispose();
            _fake.Dispose();
            _ones.Dispose();
        }
    }
}

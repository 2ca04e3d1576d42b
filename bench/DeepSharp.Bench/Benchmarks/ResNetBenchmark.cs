using DeepSharp.Examples;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Training the residual network of <c>deepsharp train resnet</c> (<see cref="ResNetModel"/>: stem Conv2D 32, residual
/// stages of 64 and 128 filters with batch normalization and strided downsampling, global average pooling, Dense 10) on
/// the first 4,096 Fashion-MNIST training images at batch 128, AdamW. DeepSharp runs Fit as a user would (NHWC,
/// shuffling, loss and accuracy tracking, verbose 0); TorchSharp the same network (NCHW, BatchNorm2d with Keras'
/// momentum and epsilon) in the usual loop (shuffled index_select batches, zero_grad, forward, cross_entropy on logits,
/// backward, step, loss and accuracy read back). Each side trains two epochs and is timed on the second, at each thread
/// setting; each side's faster one is compared. Also reported: DeepSharp's managed bytes per steady-state step.
/// </summary>
internal sealed class ResNetBenchmark : IBenchmark
{
    private const int Batch = 128;
    private const int Samples = 4096;

    public string Name => "resnet";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        using var x = Tensor.FromArray(Ops.Slice(train.X, 0, 0, Samples).ToArray(), Samples, 28, 28, 1);
        using var y = Tensor.FromArray(Ops.Slice(train.Y, 0, 0, Samples).ToArray());
        using var torchX = torch.tensor(x.ToArray(), [Samples, 1, 28, 28]);
        using var torchY = torch.tensor(y.ToArray().Select(v => (long)v).ToArray());
        double flops = TrainingFlops.StepPerSample(ResNetModel.Create(10));
        (double SamplesPerSecond, double BytesPerStep) ours = default;
        int oursThreads = 0, theirsThreads = 0;
        double theirs = 0;
        foreach (int threads in options.Threads)
        {
            var run = DeepSharpRun(x, y, threads);
            if (run.SamplesPerSecond > ours.SamplesPerSecond) (ours, oursThreads) = (run, threads);
            double torchRun = TorchSharpRun(torchX, torchY, threads);
            if (torchRun > theirs) (theirs, theirsThreads) = (torchRun, threads);
        }
        yield return new BenchmarkResult($"resnet train b{Batch} (t{oursThreads} vs t{theirsThreads})", ours.SamplesPerSecond, theirs,
            BenchmarkUnit.SamplesPerSecond, flops);
        yield return new BenchmarkResult($"resnet bytes/step b{Batch}", ours.BytesPerStep, double.NaN, BenchmarkUnit.Bytes);
    }

    private static (double SamplesPerSecond, double BytesPerStep) DeepSharpRun(Tensor x, Tensor y, int threads)
    {
        Parallelism.Threads = threads;
        RandomGenerator.SetSeed(1);
        var model = ResNetModel.Create(10);
        model.Compile(new AdamW(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
        var probe = new SteadyStateProbe((x.Shape[0] + Batch - 1) / Batch);
        var history = model.Fit(x, y, batchSize: Batch, epochs: 2, verbose: 0, callbacks: [probe], seed: 1);
        return (history.SamplesPerSecond, probe.BytesPerStep);
    }

    private static double TorchSharpRun(TorchTensor x, TorchTensor y, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        using var model = new TorchResNet();
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        model.train();
        long samples = x.shape[0];
        double seconds = 0;
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using (var permutation = torch.randperm(samples))
            {
                double lossSum = 0;
                long correct = 0;
                for (long start = 0; start < samples; start += Batch)
                {
                    using var scope = torch.NewDisposeScope();
                    var index = permutation.slice(0, start, Math.Min(samples, start + Batch), 1);
                    var xb = x.index_select(0, index);
                    var yb = y.index_select(0, index);
                    optimizer.zero_grad();
                    var logits = model.forward(xb);
                    var loss = functional.cross_entropy(logits, yb);
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>();
                    correct += logits.argmax(1).eq(yb).sum().item<long>();
                }
            }
            if (epoch == 1) seconds = watch.Elapsed.TotalSeconds;
        }
        return samples / seconds;
    }

    /// <summary>Conv2d(3×3, no bias) → BatchNorm2d with Keras' momentum 0.99 (PyTorch's 0.01) and epsilon 1e-3.</summary>
    private static Module<TorchTensor, TorchTensor> ConvBatchNorm(long input, long filters, long stride, long kernel = 3) => Sequential(
        ("conv", Conv2d(input, filters, kernel, stride: stride, padding: kernel / 2, bias: false)),
        ("bn", BatchNorm2d(filters, eps: 1e-3, momentum: 0.01)));

    /// <summary>The residual block of <see cref="ResNetModel"/> with a strided, projected shortcut.</summary>
    private sealed class TorchResidualBlock : Module<TorchTensor, TorchTensor>
    {
        private readonly Module<TorchTensor, TorchTensor> _first, _second, _shortcut;

        public TorchResidualBlock(long input, long filters) : base("block")
        {
            _first = ConvBatchNorm(input, filters, 2);
            _second = ConvBatchNorm(filters, filters, 1);
            _shortcut = ConvBatchNorm(input, filters, 2, kernel: 1);
            RegisterComponents();
        }

        public override TorchTensor forward(TorchTensor input) =>
            functional.relu(_second.forward(functional.relu(_first.forward(input))) + _shortcut.forward(input));
    }

    /// <summary><see cref="ResNetModel"/>'s default network in NCHW.</summary>
    private sealed class TorchResNet : Module<TorchTensor, TorchTensor>
    {
        private readonly Module<TorchTensor, TorchTensor> _stem, _stage1, _stage2, _head;

        public TorchResNet() : base("resnet")
        {
            _stem = ConvBatchNorm(1, 32, 1);
            _stage1 = new TorchResidualBlock(32, 64);
            _stage2 = new TorchResidualBlock(64, 128);
            _head = Linear(128, 10);
            RegisterComponents();
        }

        public override TorchTensor forward(TorchTensor input)
        {
            var x = _stage2.forward(_stage1.forward(functional.relu(_stem.forward(input))));
            return _head.forward(x.mean([2, 3]));
        }
    }
}

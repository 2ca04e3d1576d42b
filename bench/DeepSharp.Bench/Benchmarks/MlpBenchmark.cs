namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Training the seed MLP (Flatten → Dense(128, relu) → Dropout(0.2) → Dense(10, softmax), Adam 1e-3) on
/// Fashion-MNIST at batch 32 and 128. DeepSharp runs Fit as a user would (shuffling, loss and accuracy
/// tracking, verbose 0); TorchSharp runs the usual loop (shuffled index_select batches, zero_grad, forward,
/// cross_entropy, backward, step, loss and accuracy read back). Each side trains three epochs and is timed on
/// the last two (<see cref="StepTimes"/>): the main row is the fastest eighth of a timed epoch, the "epochs" row the
/// two timed epochs as wholes. Both are measured on each thread setting and each side's faster one is compared.
/// Also reported: DeepSharp's managed bytes per steady-state step and gen-2 collections per epoch.
/// </summary>
internal sealed class MlpBenchmark : IBenchmark
{
    private static readonly int[] BatchSizes = [32, 128];
    private const int Epochs = 3; // the first warms up; the other two are timed

    public string Name => "mlp";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        var labels = train.Y.ToArray().Select(v => (long)v).ToArray();
        using var torchX = torch.tensor(train.X.ToArray(), [train.Count, 28, 28]);
        using var torchY = torch.tensor(labels);
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Mlp(10));
        foreach (int batch in BatchSizes)
        {
            // Each side at its faster thread setting, as a user would pick it.
            (StepTimes? Times, double BytesPerStep, double Gen2PerEpoch) ours = default;
            StepTimes? theirs = null;
            int oursThreads = 0, theirsThreads = 0;
            foreach (int threads in options.Threads)
            {
                var run = DeepSharpRun(train.X, train.Y, batch, threads);
                if (ours.Times is null || run.Times.FastestSliceSamplesPerSecond > ours.Times.FastestSliceSamplesPerSecond) (ours, oursThreads) = (run, threads);
                var torchRun = TorchSharpRun(torchX, torchY, batch, threads);
                if (theirs is null || torchRun.FastestSliceSamplesPerSecond > theirs.FastestSliceSamplesPerSecond) (theirs, theirsThreads) = (torchRun, threads);
            }
            string setting = $"(t{oursThreads} vs t{theirsThreads})";
            yield return new BenchmarkResult($"mlp train b{batch} {setting}", ours.Times!.FastestSliceSamplesPerSecond, theirs!.FastestSliceSamplesPerSecond,
                BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"mlp epochs b{batch} {setting}", ours.Times.EpochSamplesPerSecond, theirs.EpochSamplesPerSecond,
                BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"mlp bytes/step b{batch}", ours.BytesPerStep, double.NaN, BenchmarkUnit.Bytes);
            yield return new BenchmarkResult($"mlp gen2/epoch b{batch}", ours.Gen2PerEpoch, double.NaN, BenchmarkUnit.Count);
        }
    }

    private static (StepTimes Times, double BytesPerStep, double Gen2PerEpoch) DeepSharpRun(Tensor x, Tensor y, int batch, int threads)
    {
        Parallelism.Threads = threads;
        RandomGenerator.SetSeed(1);
        var model = DeepSharp.Examples.SeedModels.Mlp(10);
        model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
        var probe = new SteadyStateProbe((x.Shape[0] + batch - 1) / batch);
        var times = new StepTimes(x.Shape[0], batch, Epochs);
        model.Fit(x, y, batchSize: batch, epochs: Epochs, verbose: 0, callbacks: [probe, times.Recorder()], seed: 1);
        return (times, probe.BytesPerStep, probe.Gen2PerEpoch);
    }

    private static StepTimes TorchSharpRun(torch.Tensor x, torch.Tensor y, int batch, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        var model = nn.Sequential(
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(784, 128)),
            ("relu", nn.ReLU()),
            ("dropout", nn.Dropout(0.2)),
            ("fc2", nn.Linear(128, 10)));
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        model.train();
        long samples = x.shape[0];
        var times = new StepTimes((int)samples, batch, Epochs);
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            times.BeginEpoch(epoch);
            using (var permutation = torch.randperm(samples))
            {
                double lossSum = 0;
                long correct = 0;
                for (long start = 0; start < samples; start += batch)
                {
                    using var scope = torch.NewDisposeScope();
                    var index = permutation.slice(0, start, Math.Min(samples, start + batch), 1);
                    var xb = x.index_select(0, index);
                    var yb = y.index_select(0, index);
                    optimizer.zero_grad();
                    var logits = model.forward(xb);
                    var loss = nn.functional.cross_entropy(logits, yb);
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>();
                    correct += logits.argmax(1).eq(yb).sum().item<long>();
                    times.EndStep();
                }
            }
        }
        model.Dispose();
        return times;
    }
}

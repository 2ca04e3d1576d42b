namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Training the seed CNN — Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2) →
/// Flatten → Dense(128, relu) → Dense(10, softmax), sparse categorical cross-entropy, Adam 1e-3 — on the first
/// 8,192 Fashion-MNIST training images at batch 32 and 128, with and without augmentation. DeepSharp runs Fit as
/// a user would (NHWC; shuffling, loss and accuracy tracking, verbose 0), the augmented rows on the seed's
/// ImageDataGenerator flow (rotation 10°, shifts 0.1, shear 0.1°, zoom [0.9, 1.2], prepared on its background
/// thread). TorchSharp runs the usual loop (NCHW; shuffled index_select batches, zero_grad, forward, cross_entropy
/// on logits, backward, step, loss and accuracy read back), the augmented rows warping each batch with random
/// affine matrices of the same ranges through affine_grid and a bilinear grid_sample with border padding. Each
/// side trains three epochs and is timed on the last two (<see cref="StepTimes"/>): the main row is the fastest
/// eighth of a timed epoch, the "epochs" row the two timed epochs as wholes. Both are measured on each thread
/// setting and each side's faster one is compared. Also reported: DeepSharp's managed bytes per steady-state step and gen-2 collections
/// per epoch.
/// </summary>
internal sealed class CnnBenchmark : IBenchmark
{
    private static readonly int[] BatchSizes = [32, 128];
    private const int Samples = 8192;
    private const int Epochs = 3; // the first warms up; the other two are timed

    public string Name => "cnn";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (train, _) = Datasets.FashionMnist.Load();
        using var x = Tensor.FromArray(Ops.Slice(train.X, 0, 0, Samples).ToArray(), Samples, 28, 28, 1);
        using var y = Tensor.FromArray(Ops.Slice(train.Y, 0, 0, Samples).ToArray());
        using var torchX = torch.tensor(x.ToArray(), [Samples, 1, 28, 28]);
        using var torchY = torch.tensor(y.ToArray().Select(v => (long)v).ToArray());
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Cnn(10));
        foreach (int batch in options.BatchesOr(BatchSizes))
            foreach (bool augmented in new[] { false, true })
            {
                // Each side at its faster thread setting, as a user would pick it.
                (StepTimes? Times, double BytesPerStep, double Gen2PerEpoch) ours = default;
                StepTimes? theirs = null;
                int oursThreads = 0, theirsThreads = 0;
                foreach (int threads in options.Threads)
                {
                    var run = DeepSharpRun(x, y, batch, threads, augmented);
                    if (ours.Times is null || run.Times.FastestSliceSamplesPerSecond > ours.Times.FastestSliceSamplesPerSecond) (ours, oursThreads) = (run, threads);
                    var torchRun = TorchSharpRun(torchX, torchY, batch, threads, augmented);
                    if (theirs is null || torchRun.FastestSliceSamplesPerSecond > theirs.FastestSliceSamplesPerSecond) (theirs, theirsThreads) = (torchRun, threads);
                }
                string kind = augmented ? "augmented" : "train", setting = $"(t{oursThreads} vs t{theirsThreads})";
                yield return new BenchmarkResult($"cnn {kind} b{batch} {setting}", ours.Times!.FastestSliceSamplesPerSecond, theirs!.FastestSliceSamplesPerSecond,
                    BenchmarkUnit.SamplesPerSecond, flops);
                yield return new BenchmarkResult($"cnn {kind} epochs b{batch} {setting}", ours.Times.EpochSamplesPerSecond, theirs.EpochSamplesPerSecond,
                    BenchmarkUnit.SamplesPerSecond, flops);
                yield return new BenchmarkResult($"cnn {kind} bytes/step b{batch}", ours.BytesPerStep, double.NaN, BenchmarkUnit.Bytes);
                yield return new BenchmarkResult($"cnn {kind} gen2/epoch b{batch}", ours.Gen2PerEpoch, double.NaN, BenchmarkUnit.Count);
            }
    }

    /// <summary>The seed CNN's augmentation: rotation 10°, shifts 0.1, shear 0.1°, zoom [0.9, 1.2].</summary>
    internal static ImageDataGenerator Augmentation() =>
        new(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, shearRange: 0.1, zoomRange: (0.9, 1.2));

    private static (StepTimes Times, double BytesPerStep, double Gen2PerEpoch) DeepSharpRun(Tensor x, Tensor y, int batch, int threads,
        bool augmented) => DeepSharpRun(x, y, batch, threads, augmented ? Augmentation() : null);

    /// <summary>DeepSharp's side of a row: Fit on the tensors, or on <paramref name="augmentation"/>'s flow over them when given.</summary>
    internal static (StepTimes Times, double BytesPerStep, double Gen2PerEpoch) DeepSharpRun(Tensor x, Tensor y, int batch, int threads,
        ImageDataGenerator? augmentation, Callback? extra = null)
    {
        Parallelism.Threads = threads;
        RandomGenerator.SetSeed(1);
        var model = DeepSharp.Examples.SeedModels.Cnn(10);
        model.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
        var probe = new SteadyStateProbe((x.Shape[0] + batch - 1) / batch);
        var times = new StepTimes(x.Shape[0], batch, Epochs);
        Callback[] callbacks = extra is null ? [probe, times.Recorder()] : [probe, times.Recorder(), extra];
        if (augmentation is not null)
        {
            using var flow = augmentation.Flow(x, y, batchSize: batch, seed: 1);
            model.Fit(flow, epochs: Epochs, verbose: 0, callbacks: callbacks);
        }
        else model.Fit(x, y, batchSize: batch, epochs: Epochs, verbose: 0, callbacks: callbacks, seed: 1);
        return (times, probe.BytesPerStep, probe.Gen2PerEpoch);
    }

    private static Module<TorchTensor, TorchTensor> TorchCnn() => Sequential(
        ("conv1", Conv2d(1, 32, 3)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)),
        ("conv2", Conv2d(32, 64, 3)), ("relu2", ReLU()), ("pool2", MaxPool2d(2)),
        ("flatten", Flatten()), ("dense1", Linear(1600, 128)), ("relu3", ReLU()), ("dense2", Linear(128, 10)));

    private static StepTimes TorchSharpRun(TorchTensor x, TorchTensor y, int batch, int threads, bool augmented)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        var model = TorchCnn();
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        model.train();
        var random = new Random(1);
        var theta = new float[batch * 6];
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
                    if (augmented) xb = Augment(xb, random, theta);
                    optimizer.zero_grad();
                    var logits = model.forward(xb);
                    var loss = functional.cross_entropy(logits, yb);
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>();
                    correct += logits.argmax(1).eq(yb).sum().item<long>();
                    times.EndStep();
                }
            }
        }
        optimizer.Dispose();
        model.Dispose();
        return times;
    }

    /// <summary>
    /// The augmentation a TorchSharp user would write: per image a random affine map (rotation ±10°, shear ±0.1°,
    /// independent zooms in [0.9, 1.2], shifts of ±0.1 of the size) from output to input coordinates in [−1, 1],
    /// then affine_grid and a bilinear grid_sample with border padding (our "nearest" fill).
    /// </summary>
    private static TorchTensor Augment(TorchTensor images, Random random, float[] theta)
    {
        int count = (int)images.shape[0];
        for (int i = 0; i < count; i++)
        {
            double angle = Uniform(random, 10) * Math.PI / 180, shear = Uniform(random, 0.1) * Math.PI / 180;
            double zoomX = 0.9 + 0.3 * random.NextDouble(), zoomY = 0.9 + 0.3 * random.NextDouble();
            Span<float> t = theta.AsSpan(i * 6, 6);
            t[0] = (float)(Math.Cos(angle) * zoomX);
            t[1] = (float)(-Math.Sin(angle + shear) * zoomY);
            t[2] = (float)(2 * Uniform(random, 0.1));
            t[3] = (float)(Math.Sin(angle) * zoomX);
            t[4] = (float)(Math.Cos(angle + shear) * zoomY);
            t[5] = (float)(2 * Uniform(random, 0.1));
        }
        var matrices = torch.tensor(theta.AsSpan(0, count * 6).ToArray(), [count, 2, 3]);
        var grid = functional.affine_grid(matrices, [count, 1, 28, 28], align_corners: false);
        return functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
    }

    private static double Uniform(Random random, double range) => range * (2 * random.NextDouble() - 1);
}

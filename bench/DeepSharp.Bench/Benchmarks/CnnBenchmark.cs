using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Training throughput of the seed CNN on 28×28×1 images: Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Conv2D(64,
/// 3×3, relu) → MaxPooling2D(2) → Flatten → Dense(128, relu) → Dense(10, softmax), sparse categorical
/// cross-entropy, Adam (lr 1e-3). DeepSharp runs Keras' layout (NHWC, model.TrainOnBatch); TorchSharp the same
/// model in its own layout (NCHW, cross_entropy on logits, which is softmax + log loss fused as ours is), one
/// optimizer step per call. The augmented rows train from the seed ImageDataGenerator's ImageFlow (TorchSharp: affine_grid
/// + grid_sample per batch). Also reports the managed bytes allocated per steady-state step.
/// </summary>
internal sealed class CnnBenchmark : IBenchmark
{
    private static readonly int[] BatchSizes = [32, 128];
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(250);

    // The augmented rows draw batches from a pool of this many images, so that epochs turn over during a run.
    private const int PoolImages = 2048;

    public string Name => "cnn";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (int batch in BatchSizes)
        {
            var (pixels, labels) = Data(batch, seed: 7);
            using var x = Tensor.FromArray(pixels, batch, 28, 28, 1);
            using var y = Tensor.FromArray(labels);
            using var tx = torch.tensor(pixels, new long[] { batch, 1, 28, 28 });
            using var ty = torch.tensor(labels.Select(l => (long)l).ToArray());

            var (poolPixels, poolLabels) = Data(PoolImages, seed: 8);
            using var poolX = Tensor.FromArray(poolPixels, PoolImages, 28, 28, 1);
            using var poolY = Tensor.FromArray(poolLabels);
            using var torchPool = new TorchAugmentedBatches(poolPixels, poolLabels, batch, seed: 9);
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                torch.set_num_threads(threads);
                RandomGenerator.SetSeed(1);
                var model = SeedCnn();
                model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
                var torchModel = TorchCnn();
                var optimizer = torch.optim.Adam(torchModel.parameters(), 1e-3);

                var (ours, theirs) = Measure.SecondsPerCall(
                    () => model.TrainOnBatch(x, y),
                    () => TorchStep(torchModel, optimizer, tx, ty),
                    RunLength);
                yield return new BenchmarkResult($"cnn train b{batch} t{threads}", batch / ours, batch / theirs, BenchmarkUnit.SamplesPerSecond);

                long ourBytes = BytesPerStep(() => model.TrainOnBatch(x, y));
                long theirBytes = BytesPerStep(() => TorchStep(torchModel, optimizer, tx, ty));
                yield return new BenchmarkResult($"cnn bytes/step b{batch} t{threads}", ourBytes, theirBytes, BenchmarkUnit.Bytes);

                // Augmented: ours trains on an ImageFlow (the seed's ImageDataGenerator, batches prepared on its
                // background thread); TorchSharp warps each batch with affine_grid + grid_sample before the step.
                using (var flow = new EndlessFlow(Augmentation().Flow(poolX, poolY, batchSize: batch, seed: 3)))
                {
                    var (oursAugmented, theirsAugmented) = Measure.SecondsPerCall(
                        () => { var b = flow.Next(); model.TrainOnBatch(b.X, b.Y!); },
                        () => TorchAugmentedStep(torchModel, optimizer, torchPool),
                        RunLength);
                    yield return new BenchmarkResult($"cnn augmented b{batch} t{threads}", batch / oursAugmented, batch / theirsAugmented,
                        BenchmarkUnit.SamplesPerSecond);

                    long ourAugmentedBytes = BytesPerStep(() => { var b = flow.Next(); model.TrainOnBatch(b.X, b.Y!); });
                    long theirAugmentedBytes = BytesPerStep(() => TorchAugmentedStep(torchModel, optimizer, torchPool));
                    yield return new BenchmarkResult($"cnn aug bytes/step b{batch} t{threads}", ourAugmentedBytes, theirAugmentedBytes,
                        BenchmarkUnit.Bytes);
                }
                optimizer.Dispose();
                torchModel.Dispose();
            }
        }
    }

    /// <summary>The seed CNN's augmentation: rotation 10°, shifts 0.1, shear 0.1°, zoom [0.9, 1.2].</summary>
    internal static ImageDataGenerator Augmentation() =>
        new(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, shearRange: 0.1, zoomRange: (0.9, 1.2));

    /// <summary>Batches of a flow without end: a new epoch starts when one runs out.</summary>
    private sealed class EndlessFlow(ImageFlow flow) : IDisposable
    {
        private ImageFlow.Enumerator _batches = flow.GetEnumerator();

        public Batch Next()
        {
            if (_batches.MoveNext()) return _batches.Current;
            _batches = flow.GetEnumerator();
            _batches.MoveNext();
            return _batches.Current;
        }

        public void Dispose() => flow.Dispose();
    }

    /// <summary>
    /// The augmented batches a TorchSharp user would write: for each batch, random affine matrices (the same
    /// ranges as ours: rotation, shift, shear, independent zooms) drawn on the CPU, then affine_grid and a
    /// bilinear grid_sample with border padding (our "nearest" fill) over the pool's next images.
    /// </summary>
    private sealed class TorchAugmentedBatches : IDisposable
    {
        private readonly TorchTensor _images, _labels;
        private readonly int _batch, _count;
        private readonly Random _random;
        private readonly float[] _theta;
        private int _next;

        public TorchAugmentedBatches(float[] pixels, float[] labels, int batch, int seed)
        {
            _count = labels.Length;
            _images = torch.tensor(pixels, new long[] { _count, 1, 28, 28 });
            _labels = torch.tensor(labels.Select(l => (long)l).ToArray());
            _batch = batch;
            _random = new Random(seed);
            _theta = new float[batch * 6];
        }

        /// <summary>The next augmented batch; its tensors belong to the caller's dispose scope.</summary>
        public (TorchTensor X, TorchTensor Y) Next()
        {
            if (_next + _batch > _count) _next = 0;
            long start = _next;
            _next += _batch;
            for (int i = 0; i < _batch; i++)
            {
                double angle = Uniform(10) * Math.PI / 180, shear = Uniform(0.1) * Math.PI / 180;
                double zoomX = 0.9 + 0.3 * _random.NextDouble(), zoomY = 0.9 + 0.3 * _random.NextDouble();
                // Output → input coordinates in [-1, 1]: rotation · shear · zoom, then a shift of ±0.1 of the size.
                double a = Math.Cos(angle), b = -Math.Sin(angle + shear), c = Math.Sin(angle), d = Math.Cos(angle + shear);
                Span<float> t = _theta.AsSpan(i * 6, 6);
                t[0] = (float)(a * zoomX); t[1] = (float)(b * zoomY); t[2] = (float)(2 * Uniform(0.1));
                t[3] = (float)(c * zoomX); t[4] = (float)(d * zoomY); t[5] = (float)(2 * Uniform(0.1));
            }
            var theta = torch.tensor(_theta, new long[] { _batch, 2, 3 });
            var images = _images.narrow(0, start, _batch);
            var grid = functional.affine_grid(theta, new long[] { _batch, 1, 28, 28 }, align_corners: false);
            var x = functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
            return (x, _labels.narrow(0, start, _batch));
        }

        private double Uniform(double range) => range * (2 * _random.NextDouble() - 1);

        public void Dispose()
        {
            _images.Dispose();
            _labels.Dispose();
        }
    }

    internal static Sequential SeedCnn() => new(
        new Conv2D(32, 3, activation: "relu", inputShape: [28, 28, 1]),
        new MaxPooling2D(2),
        new Conv2D(64, 3, activation: "relu"),
        new MaxPooling2D(2),
        new Flatten(),
        new Dense(128, activation: "relu"),
        new Dense(10, activation: "softmax"));

    private static Module<TorchTensor, TorchTensor> TorchCnn() => Sequential(
        ("conv1", Conv2d(1, 32, 3)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)),
        ("conv2", Conv2d(32, 64, 3)), ("relu2", ReLU()), ("pool2", MaxPool2d(2)),
        ("flatten", Flatten()), ("dense1", Linear(1600, 128)), ("relu3", ReLU()), ("dense2", Linear(128, 10)));

    private static void TorchStep(Module<TorchTensor, TorchTensor> model, optim.Optimizer optimizer, TorchTensor x, TorchTensor y)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var loss = functional.cross_entropy(model.forward(x), y);
        loss.backward();
        optimizer.step();
    }

    private static void TorchAugmentedStep(Module<TorchTensor, TorchTensor> model, optim.Optimizer optimizer, TorchAugmentedBatches batches)
    {
        using var scope = torch.NewDisposeScope();
        var (x, y) = batches.Next();
        TorchStep(model, optimizer, x, y);
    }

    /// <summary>Pixels in [0, 1) and labels 0..9, the same for both libraries.</summary>
    internal static (float[] Pixels, float[] Labels) Data(int batch, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[batch * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        var labels = new float[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.Next(10);
        return (pixels, labels);
    }

    /// <summary>Managed bytes this thread allocates per call, over 20 calls after the measurement's warm-up.</summary>
    private static long BytesPerStep(Action step)
    {
        const int calls = 20;
        long fewest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) step();
            fewest = Math.Min(fewest, (GC.GetAllocatedBytesForCurrentThread() - before) / calls);
        }
        return fewest;
    }
}

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
/// optimizer step per call. Also reports DeepSharp's managed bytes allocated per steady-state step.
/// </summary>
internal sealed class CnnBenchmark : IBenchmark
{
    private static readonly int[] BatchSizes = [32, 128];
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(250);

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
                optimizer.Dispose();
                torchModel.Dispose();
            }
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

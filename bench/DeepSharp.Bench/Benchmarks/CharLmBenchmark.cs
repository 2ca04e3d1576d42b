using DeepSharp.Examples;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// One training step of <c>train charlm</c>'s model (<see cref="CharLanguageModel.Compiled"/>: Embedding(115, 32) →
/// LSTM(256, sequences) → LSTM(256, sequences) → Dense(115) on windows of 100 characters, Adam 2e-3 with each gradient
/// clipped to norm 1, cross-entropy on the logits of every step) at its batch of 64, against TorchSharp's Embedding,
/// two nn.LSTM (batch_first), Linear, per-parameter clip_grad_norm_ and Adam. Both train on the same fixed random
/// windows; samples are windows (6,400 characters a step). Also reported: managed bytes per step, and each side at its
/// faster thread setting.
/// </summary>
internal sealed class CharLmBenchmark : IBenchmark
{
    private const int Batch = 64, Length = 100, Vocabulary = 115, Units = 256, EmbeddingSize = 32;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(400);

    public string Name => "charlm";

    /// <summary>
    /// The fixed windows both sides train on: <see cref="Batch"/> windows of random characters and their next characters.
    /// Windows of the same text shifted by one are what the example trains on; any indices time the same.
    /// </summary>
    internal static (Tensor X, Tensor Y) Windows()
    {
        var random = new Random(13);
        var ids = new float[Batch * (Length + 1)];
        for (int i = 0; i < ids.Length; i++) ids[i] = 2 + random.Next(Vocabulary - 2);
        return CharLanguageModel.Windows(ids, Length);
    }

    /// <summary>Our model, compiled as <c>train charlm</c> compiles it.</summary>
    internal static Sequential Compiled() => CharLanguageModel.Compiled(Vocabulary, Units, Length, 2e-3);

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var windows = Windows();
        using var x = windows.X;
        using var y = windows.Y;
        var (xa, ya) = (x.ToArray(), y.ToArray());
        int batch = x.Shape[0];
        using var tx = torch.tensor(xa.Select(v => (long)v).ToArray(), new long[] { batch, Length });
        using var ty = torch.tensor(ya.Select(v => (long)v).ToArray(), new long[] { batch * Length });
        var fastest = new FastestThreads();
        double flops = double.NaN; // per window of Length characters
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            torch.set_num_threads(threads);
            RandomGenerator.SetSeed(1);
            var model = Compiled();
            flops = TrainingFlops.StepPerSample(model);
            using var torchModel = new TorchCharLm();
            var parameters = torchModel.parameters().ToList();
            var optimizer = torch.optim.Adam(parameters, 2e-3);

            var (ours, theirs) = Measure.SecondsPerCall(
                () => model.TrainOnBatch(x, y),
                () => TorchStep(torchModel, parameters, optimizer, tx, ty),
                RunLength);
            yield return new BenchmarkResult($"charlm train b{batch} t{threads}", batch / ours, batch / theirs, BenchmarkUnit.SamplesPerSecond, flops);
            fastest.Record(threads, batch / ours, batch / theirs);

            long ourBytes = Measure.BytesPerCall(() => model.TrainOnBatch(x, y));
            long theirBytes = Measure.BytesPerCall(() => TorchStep(torchModel, parameters, optimizer, tx, ty));
            yield return new BenchmarkResult($"charlm bytes/step b{batch} t{threads}", ourBytes, theirBytes, BenchmarkUnit.Bytes);
            optimizer.Dispose();
        }
        // Each side at its faster thread setting, as a user would pick it (the rows above, not a new measurement).
        if (options.Threads.Count > 1)
            yield return fastest.Row($"charlm train b{batch}", flops);
    }

    /// <summary>Embedding, two stacked nn.LSTM layers and a Linear head on every step.</summary>
    private sealed class TorchCharLm : Module<TorchTensor, TorchTensor>
    {
        private readonly Module<TorchTensor, TorchTensor> _embedding, _head;
        private readonly TorchSharp.Modules.LSTM _first, _second;

        public TorchCharLm() : base("char_lm")
        {
            _embedding = Embedding(Vocabulary, EmbeddingSize);
            _first = LSTM(EmbeddingSize, Units, batchFirst: true);
            _second = LSTM(Units, Units, batchFirst: true);
            _head = Linear(Units, Vocabulary);
            RegisterComponents();
        }

        public override TorchTensor forward(TorchTensor input)
        {
            var (first, _, _) = _first.forward(_embedding.forward(input));
            var (second, _, _) = _second.forward(first);
            return _head.forward(second).reshape(-1, Vocabulary);
        }
    }

    private static void TorchStep(Module<TorchTensor, TorchTensor> model, List<TorchSharp.Modules.Parameter> parameters, optim.Optimizer optimizer,
        TorchTensor x, TorchTensor y)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var loss = functional.cross_entropy(model.forward(x), y);
        loss.backward();
        // Keras' clipnorm: each weight's gradient clipped to norm 1 on its own.
        foreach (var parameter in parameters) torch.nn.utils.clip_grad_norm_(new[] { parameter }, 1.0);
        optimizer.step();
    }
}

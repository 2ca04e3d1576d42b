namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// One training step of the stacked row LSTM (28 steps of 28 features: LSTM(64, returnSequences) → LSTM(64) →
/// Dense(10, softmax), Adam 1e-3) at batch 128, against TorchSharp's two nn.LSTM (batch_first) + Linear with
/// cross-entropy on the logits. Both sides train on the same fixed random batch through TrainOnBatch / the usual
/// zero_grad-forward-backward-step, timed in alternating blocks (see <see cref="Measure"/>). Also reported:
/// managed bytes allocated per step, and each side at its faster thread setting.
/// </summary>
internal sealed class LstmBenchmark : IBenchmark
{
    private const int Batch = 128;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(250);

    public string Name => "lstm";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 11);
        using var x = Tensor.FromArray(pixels, Batch, 28, 28);
        using var y = Tensor.FromArray(labels);
        using var tx = torch.tensor(pixels, new long[] { Batch, 28, 28 });
        using var ty = torch.tensor(labels.Select(l => (long)l).ToArray());
        var fastest = new FastestThreads();
        double flops = double.NaN;
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            torch.set_num_threads(threads);
            RandomGenerator.SetSeed(1);
            var model = new Sequential(
                new DeepSharp.LSTM(64, returnSequences: true, inputShape: [28, 28]),
                new DeepSharp.LSTM(64),
                new Dense(10, activation: "softmax"));
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            flops = DeepSharp.Examples.TrainingFlops.StepPerSample(model);
            using var torchModel = new TorchRowLstm();
            var optimizer = torch.optim.Adam(torchModel.parameters(), 1e-3);

            var (ours, theirs) = Measure.SecondsPerCall(
                () => model.TrainOnBatch(x, y),
                () => TorchStep(torchModel, optimizer, tx, ty),
                RunLength);
            yield return new BenchmarkResult($"lstm train b{Batch} t{threads}", Batch / ours, Batch / theirs, BenchmarkUnit.SamplesPerSecond, flops);
            fastest.Record(threads, Batch / ours, Batch / theirs);

            long ourBytes = Measure.BytesPerCall(() => model.TrainOnBatch(x, y));
            long theirBytes = Measure.BytesPerCall(() => TorchStep(torchModel, optimizer, tx, ty));
            yield return new BenchmarkResult($"lstm bytes/step b{Batch} t{threads}", ourBytes, theirBytes, BenchmarkUnit.Bytes);
            optimizer.Dispose();
        }
        // Each side at its faster thread setting, as a user would pick it (the rows above, not a new measurement).
        if (options.Threads.Count > 1)
            yield return fastest.Row($"lstm train b{Batch}", flops);
    }

    /// <summary>Two stacked nn.LSTM layers and a Linear head on the last step's output.</summary>
    private sealed class TorchRowLstm : Module<TorchTensor, TorchTensor>
    {
        private readonly Module<TorchTensor, TorchTensor> _head;
        private readonly TorchSharp.Modules.LSTM _first, _second;

        public TorchRowLstm() : base("row_lstm")
        {
            _first = LSTM(28, 64, batchFirst: true);
            _second = LSTM(64, 64, batchFirst: true);
            _head = Linear(64, 10);
            RegisterComponents();
        }

        public override TorchTensor forward(TorchTensor input)
        {
            var (sequence, _, _) = _first.forward(input);
            var (last, _, _) = _second.forward(sequence);
            return _head.forward(last.select(1, -1));
        }
    }

    private static void TorchStep(Module<TorchTensor, TorchTensor> model, optim.Optimizer optimizer, TorchTensor x, TorchTensor y)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var loss = functional.cross_entropy(model.forward(x), y);
        loss.backward();
        optimizer.step();
    }
}

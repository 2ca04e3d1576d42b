namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// One training step of the vit example's model (<see cref="DeepSharp.Examples.SeedModels.Vit"/>: 16 patches of 7×7 by a
/// strided Conv2D to 64 features, position embedding, 4 pre-norm blocks of 4-head self-attention and a gelu MLP of 128,
/// LayerNormalization, mean over the patches, Dense(10); Adam) at batch 128, against the same network in TorchSharp:
/// Conv2d, a position Parameter, per block LayerNorm → Linear q, k, v → per-head matmul, softmax, matmul → Linear out,
/// LayerNorm → Linear → GELU → Linear, with cross-entropy on the logits. Both sides train on one fixed random batch,
/// timed in alternating blocks (see <see cref="Measure"/>); bytes allocated per step too.
/// </summary>
internal sealed class VitBenchmark : IBenchmark
{
    private const int Batch = 128;
    private static readonly TimeSpan RunLength = TimeSpan.FromMilliseconds(500);

    public string Name => "vit";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 12);
        using var x = Tensor.FromArray(pixels, Batch, 28, 28);
        using var y = Tensor.FromArray(labels);
        using var tx = torch.tensor(pixels, new long[] { Batch, 1, 28, 28 });
        using var ty = torch.tensor(labels.Select(l => (long)l).ToArray());
        var fastest = new FastestThreads();
        double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(DeepSharp.Examples.SeedModels.Vit(10));
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            torch.set_num_threads(threads);
            RandomGenerator.SetSeed(1);
            torch.manual_seed(1);
            var model = DeepSharp.Examples.SeedModels.Vit(10);
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            using var torchModel = new TorchVit();
            var optimizer = torch.optim.Adam(torchModel.parameters(), 1e-3);

            var (ours, theirs) = Measure.SecondsPerCall(
                () => model.TrainOnBatch(x, y),
                () => TorchStep(torchModel, optimizer, tx, ty),
                RunLength);
            yield return new BenchmarkResult($"vit train b{Batch} t{threads}", Batch / ours, Batch / theirs, BenchmarkUnit.SamplesPerSecond, flops);
            fastest.Record(threads, Batch / ours, Batch / theirs);

            long ourBytes = Measure.BytesPerCall(() => model.TrainOnBatch(x, y));
            long theirBytes = Measure.BytesPerCall(() => TorchStep(torchModel, optimizer, tx, ty));
            yield return new BenchmarkResult($"vit bytes/step b{Batch} t{threads}", ourBytes, theirBytes, BenchmarkUnit.Bytes);
            optimizer.Dispose();
        }
        if (options.Threads.Count > 1)
            yield return fastest.Row($"vit train b{Batch}", flops);
    }

    private const int Tokens = 16, Features = 64, Heads = 4, HeadFeatures = Features / Heads, Blocks = 4;

    /// <summary>The same network as <see cref="DeepSharp.Examples.SeedModels.Vit"/>, written as a TorchSharp user would.</summary>
    private sealed class TorchVit : Module<TorchTensor, TorchTensor>
    {
        private readonly Module<TorchTensor, TorchTensor> patches, norm, head;
        private readonly TorchSharp.Modules.Parameter positions;
        private readonly TorchSharp.Modules.ModuleList<Module<TorchTensor, TorchTensor>> norm1, query, key, value, output, norm2, hidden, back;
        private readonly Module<TorchTensor, TorchTensor> gelu;

        public TorchVit() : base("vit")
        {
            patches = Conv2d(1, Features, 7, stride: 7);
            positions = Parameter(torch.randn(Tokens, Features) * 0.05);
            norm1 = ModuleList<Module<TorchTensor, TorchTensor>>();
            query = ModuleList<Module<TorchTensor, TorchTensor>>();
            key = ModuleList<Module<TorchTensor, TorchTensor>>();
            value = ModuleList<Module<TorchTensor, TorchTensor>>();
            output = ModuleList<Module<TorchTensor, TorchTensor>>();
            norm2 = ModuleList<Module<TorchTensor, TorchTensor>>();
            hidden = ModuleList<Module<TorchTensor, TorchTensor>>();
            back = ModuleList<Module<TorchTensor, TorchTensor>>();
            for (int b = 0; b < Blocks; b++)
            {
                norm1.Add(LayerNorm(new long[] { Features }, 1e-6));
                query.Add(Linear(Features, Features));
                key.Add(Linear(Features, Features));
                value.Add(Linear(Features, Features));
                output.Add(Linear(Features, Features));
                norm2.Add(LayerNorm(new long[] { Features }, 1e-6));
                hidden.Add(Linear(Features, 2 * Features));
                back.Add(Linear(2 * Features, Features));
            }
            gelu = GELU();
            norm = LayerNorm(new long[] { Features }, 1e-6);
            head = Linear(Features, 10);
            RegisterComponents();
        }

        public override TorchTensor forward(TorchTensor input)
        {
            long batch = input.shape[0];
            var x = patches.forward(input).flatten(2).transpose(1, 2) + positions;      // (batch, 16, 64)
            for (int b = 0; b < Blocks; b++)
            {
                var normed = norm1[b].forward(x);
                var q = query[b].forward(normed).view(batch, Tokens, Heads, HeadFeatures).transpose(1, 2);
                var k = key[b].forward(normed).view(batch, Tokens, Heads, HeadFeatures).transpose(1, 2);
                var v = value[b].forward(normed).view(batch, Tokens, Heads, HeadFeatures).transpose(1, 2);
                var weights = (q.matmul(k.transpose(2, 3)) * (1.0 / Math.Sqrt(HeadFeatures))).softmax(-1);
                var context = weights.matmul(v).transpose(1, 2).reshape(batch, Tokens, Features);
                x = x + output[b].forward(context);
                x = x + back[b].forward(gelu.forward(hidden[b].forward(norm2[b].forward(x))));
            }
            return head.forward(norm.forward(x).mean(new long[] { 1 }));
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

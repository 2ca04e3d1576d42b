namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the stacked row LSTM's training step spends its time (see <see cref="LstmBenchmark"/>): each LSTM's fused
/// sequence op at the model's shapes, batch 128, forward alone and forward plus backward (the second layer returns
/// its last step only, as in the model; the first has no input gradient, as in training), and the whole training
/// step beside them. No peer: the rows split DeepSharp's own step.
/// </summary>
internal sealed class LstmLayersBenchmark : IBenchmark
{
    private const int Batch = 128, Steps = 28, Features = 28, Units = 64;

    public string Name => "lstm-layers";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            string suffix = $"b{Batch} t{threads}";
            var rng = new RandomGenerator(5);
            Tensor Random(bool grad, params int[] shape)
            {
                using (TensorScope.Suspend()) return Tensor.RandomUniform(shape, -0.5f, 0.5f, rng).WithRequiresGrad(grad);
            }
            var x1 = Random(false, Batch, Steps, Features);
            var x2 = Random(true, Batch, Steps, Units);
            var k1 = Random(true, Features, 4 * Units);
            var k2 = Random(true, Units, 4 * Units);
            var r1 = Random(true, Units, 4 * Units);
            var r2 = Random(true, Units, 4 * Units);
            var b1 = Random(true, 4 * Units);
            var b2 = Random(true, 4 * Units);
            var sequence = new RecurrentOptions(RecurrentCellKind.Lstm, GateActivation.Tanh, GateActivation.Sigmoid, true, false, false);
            var last = sequence with { ReturnSequences = false };
            Tensor First() => Ops.RecurrentSequence(x1, k1, r1, b1, null, null, null, null, sequence, "lstm");
            Tensor Second() => Ops.RecurrentSequence(x2, k2, r2, b2, null, null, null, null, last, "lstm_1");
            yield return Forward($"lstm1 forward {suffix}", First);
            yield return Both($"lstm1 forward+backward {suffix}", First);
            yield return Forward($"lstm2 forward {suffix}", Second);
            yield return Both($"lstm2 forward+backward {suffix}", Second);

            foreach (var row in Products(threads)) yield return row;

            RandomGenerator.SetSeed(1);
            var model = SeedModelLike();
            var (pixels, labels) = SyntheticBatch.Images(Batch, seed: 11);
            using var x = Tensor.FromArray(pixels, Batch, 28, 28);
            using var y = Tensor.FromArray(labels);
            double step = Measure.SecondsPerCall(() => model.TrainOnBatch(x, y));
            yield return new BenchmarkResult($"lstm train step {suffix}", step * 1e6, double.NaN, BenchmarkUnit.Microseconds);
        }
    }

    /// <summary>The step's matrix products at their shapes (m×n×k, transposed operands as views), in GFLOP/s, result allocation included.</summary>
    private static List<BenchmarkResult> Products(int threads)
    {
        int rows = Batch * Steps, gu = 4 * Units;
        (string Name, bool Ta, bool Tb, int M, int N, int K)[] cases =
        [
            ("projection1", false, false, rows, gu, Features), ("projection2", false, false, rows, gu, Units),
            ("kernel gradient1", true, false, Features, gu, rows), ("kernel gradient2", true, false, Units, gu, rows),
            ("input gradient2", false, true, rows, Units, gu),
            ("step forward half", false, false, Batch / 2, gu, Units), ("step forward", false, false, Batch, gu, Units),
            ("step backward half", false, false, Batch / 2, Units, gu), ("step backward", false, false, Batch, Units, gu),
        ];
        var results = new List<BenchmarkResult>();
        foreach (var (name, ta, tb, m, n, k) in cases)
        {
            var (a, aStorage) = Operand(m, k, ta, seed: 1);
            var (b, bStorage) = Operand(k, n, tb, seed: 2);
            double seconds = Measure.SecondsPerCall(() => a.MatMul(b).Dispose());
            results.Add(new BenchmarkResult($"gemm {name} {m}x{n}x{k} t{threads}", 2.0 * m * n * k / seconds / 1e9, double.NaN, BenchmarkUnit.GflopsPerSecond));
            a.Dispose();
            b.Dispose();
            aStorage?.Dispose();
            bStorage?.Dispose();
        }
        return results;
    }

    private static (Tensor Operand, Tensor? Storage) Operand(int rows, int columns, bool transposed, int seed)
    {
        if (!transposed) return (Tensor.RandomUniform([rows, columns], -1f, 1f, new RandomGenerator(seed)), null);
        var stored = Tensor.RandomUniform([columns, rows], -1f, 1f, new RandomGenerator(seed));
        return (Tensor.View(stored, new TensorShape(rows, columns), [1, rows], 0), stored);
    }

    private static Sequential SeedModelLike()
    {
        var model = new Sequential(
            new LSTM(Units, returnSequences: true, inputShape: [Steps, Features]),
            new LSTM(Units),
            new Dense(10, activation: "softmax"));
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
        return model;
    }

    private static BenchmarkResult Forward(string name, Func<Tensor> op)
    {
        double seconds = Measure.SecondsPerCall(() =>
        {
            using (TensorScope.Begin())
            using (Autograd.NoGrad())
                op();
        });
        return new BenchmarkResult(name, seconds * 1e6, double.NaN, BenchmarkUnit.Microseconds);
    }

    private static BenchmarkResult Both(string name, Func<Tensor> op)
    {
        double seconds = Measure.SecondsPerCall(() =>
        {
            using (TensorScope.Begin())
            {
                var output = op();
                output.Backward(Tensor.Ones(output.Shape));
            }
        });
        return new BenchmarkResult(name, seconds * 1e6, double.NaN, BenchmarkUnit.Microseconds);
    }
}

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Matrix products of the sizes DeepSharp meets: square 1024³ and 2048³; the seed models' forward shapes (the
/// MLP's dense layers at batch 32 and 128, its output layer, the CNN's second convolution as a GEMM); and
/// the transposed products of their backward pass (Aᵀ·B for weight gradients, A·Bᵀ for input gradients).
/// Names read m x k x n (m×k times k×n). Both sides multiply tensors as a user would (DeepSharp's MatMul,
/// torch.matmul), result allocation included; transposed operands are transposed views, not copies.
/// </summary>
internal sealed class GemmBenchmark : IBenchmark
{
    private static readonly (int M, int K, int N, bool TransposeA, bool TransposeB)[] Cases =
    [
        (1024, 1024, 1024, false, false), (2048, 2048, 2048, false, false),
        (32, 784, 128, false, false), (128, 784, 128, false, false), (128, 128, 10, false, false), (3872, 288, 64, false, false),
        (784, 32, 128, true, false), (784, 128, 128, true, false), (32, 128, 784, false, true), (128, 128, 784, false, true),
    ];

    public string Name => "gemm";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (var (m, k, n, transposeA, transposeB) in Cases)
        {
            var (a, aStorage) = Operand(m, k, transposeA, seed: 1);
            var (b, bStorage) = Operand(k, n, transposeB, seed: 2);
            using var ta = transposeA ? torch.rand(k, m).t() : torch.rand(m, k);
            using var tb = transposeB ? torch.rand(n, k).t() : torch.rand(k, n);
            double flops = 2.0 * m * n * k;
            string variant = transposeA ? " AtB" : transposeB ? " ABt" : "";
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                torch.set_num_threads(threads);
                var (ours, theirs) = Measure.SecondsPerCall(
                    () => a.MatMul(b).Dispose(),
                    () => ta.matmul(tb).Dispose());
                yield return new BenchmarkResult($"gemm {m}x{k}x{n}{variant} t{threads}",
                    flops / ours / 1e9, flops / theirs / 1e9, BenchmarkUnit.GflopsPerSecond);
            }
            a.Dispose();
            b.Dispose();
            aStorage?.Dispose();
            bStorage?.Dispose();
        }
        foreach (int threads in options.Threads)
            yield return AllocationPerStep(threads);
    }

    /// <summary>
    /// Managed bytes of one steady-state forward and backward of sum(A·B) with A 128×784 and B 784×128, both
    /// requiring gradients: the shape of the seed MLP's first layer. DeepSharp should allocate nothing.
    /// </summary>
    private static BenchmarkResult AllocationPerStep(int threads)
    {
        Parallelism.Threads = threads;
        torch.set_num_threads(threads);
        Tensor a, b;
        using (TensorScope.Suspend())
        {
            a = Tensor.RandomUniform([128, 784], -1f, 1f, new RandomGenerator(1)).WithRequiresGrad();
            b = Tensor.RandomUniform([784, 128], -1f, 1f, new RandomGenerator(2)).WithRequiresGrad();
        }
        using var ta = torch.rand(128, 784, requires_grad: true);
        using var tb = torch.rand(784, 128, requires_grad: true);
        long ours = Measure.BytesPerCall(() =>
        {
            using (TensorScope.Begin()) a.MatMul(b).Sum().Backward();
            a.ZeroGrad();
            b.ZeroGrad();
        });
        long theirs = Measure.BytesPerCall(() =>
        {
            using var scope = torch.NewDisposeScope();
            ta.matmul(tb).sum().backward();
            ta.grad!.zero_();
            tb.grad!.zero_();
        });
        a.Dispose();
        b.Dispose();
        return new BenchmarkResult($"gemm alloc 128x784x128 fwd+bwd t{threads}", ours, theirs, BenchmarkUnit.Bytes);
    }

    /// <summary>A rows×columns operand, or a transposed view of a columns×rows tensor (and that tensor).</summary>
    private static (Tensor Operand, Tensor? Storage) Operand(int rows, int columns, bool transposed, int seed)
    {
        if (!transposed) return (Tensor.RandomUniform([rows, columns], -1f, 1f, new RandomGenerator(seed)), null);
        var stored = Tensor.RandomUniform([columns, rows], -1f, 1f, new RandomGenerator(seed));
        return (Tensor.View(stored, new TensorShape(rows, columns), [1, rows], 0), stored);
    }
}

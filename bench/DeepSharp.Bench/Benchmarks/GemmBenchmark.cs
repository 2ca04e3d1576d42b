using TorchSharp;
using static TorchSharp.torch;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Matrix products of the sizes DeepSharp meets: square 1024³ and 2048³, and the seed models' shapes (the MLP's
/// dense layers at batch 32 and 128, its output layer, and the CNN's second convolution as a GEMM). Both
/// sides multiply tensors as a user would (DeepSharp's MatMul, torch.matmul), result allocation included.
/// </summary>
internal sealed class GemmBenchmark : IBenchmark
{
    // m × k times k × n, named m x k x n.
    private static readonly (int M, int K, int N)[] Shapes =
    [
        (1024, 1024, 1024), (2048, 2048, 2048), (32, 784, 128), (128, 784, 128), (128, 128, 10), (3872, 288, 64),
    ];

    public string Name => "gemm";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (var (m, k, n) in Shapes)
        {
            using var a = Tensor.RandomUniform([m, k], -1f, 1f, new RandomGenerator(1));
            using var b = Tensor.RandomUniform([k, n], -1f, 1f, new RandomGenerator(2));
            using var ta = torch.rand(m, k, ScalarType.Float32) * 2 - 1;
            using var tb = torch.rand(k, n, ScalarType.Float32) * 2 - 1;
            double flops = 2.0 * m * n * k;
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                torch.set_num_threads(threads);
                var (ours, theirs) = Measure.SecondsPerCall(
                    () => a.MatMul(b).Dispose(),
                    () => ta.matmul(tb).Dispose());
                yield return new BenchmarkResult($"gemm {m}x{k}x{n} t{threads}",
                    flops / ours / 1e9, flops / theirs / 1e9, BenchmarkUnit.GflopsPerSecond);
            }
        }
    }
}

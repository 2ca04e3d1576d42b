using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The seed LSTM's in-loop weight gradients alone, on the calling thread, timed by its CPU time: one chunk of 64 rows
/// through the 28 steps of a sequence (x_tᵀ·dZ_t and h_{t-1}ᵀ·dZ_t added into the chunk's partial sums), for each layer's
/// shapes (28 and 64 input features read in place, 64 units), as one <see cref="StepWeightGradients"/> call a step (panels
/// of dZ cut once) against two GEMM calls that read dZ where it lies (the peer column). The two alternate sequence by
/// sequence, 25 rounds of 40 sequences each; the rows give the fastest sequence and the median, in GFLOP/s.
/// </summary>
internal sealed unsafe class LstmWeightsBenchmark : IBenchmark
{
    private const int Steps = 28, Rows = 64, Batch = 128, Units = 64, Gates = 4, Rounds = 25, PerRound = 40;

    public string Name => "lstm-weights";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        int threads = Parallelism.Threads;
        Parallelism.Threads = 1;
        var rows = new List<BenchmarkResult>();
        try
        {
            foreach (int features in new[] { 28, 64 }) rows.AddRange(Layer(features));
        }
        finally
        {
            Parallelism.Threads = threads;
        }
        return rows;
    }

    private static BenchmarkResult[] Layer(int features)
    {
        int gu = Gates * Units;
        var random = new Random(features);
        float[] Values(long count) => Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] x = Values((long)Batch * Steps * features), h = Values((long)(Steps + 1) * Batch * Units), dz = Values((long)Steps * Rows * gu);
        float[] kernelSums = new float[features * gu], recurrentSums = new float[Units * gu];
        double flops = 2.0 * Steps * Rows * gu * (features + Units);
        var shared = new List<double>();
        var separate = new List<double>();
        fixed (float* px = x, ph = h, pz = dz, pk = kernelSums, pr = recurrentSums)
        {
            for (int warm = 0; warm < 50; warm++)
            {
                Sequence(true, features, px, ph, pz, pk, pr);
                Sequence(false, features, px, ph, pz, pk, pr);
            }
            for (int round = 0; round < Rounds; round++)
                foreach (bool panels in round % 2 == 0 ? new[] { true, false } : [false, true])
                    for (int i = 0; i < PerRound; i++)
                    {
                        long start = ThreadCpuClock.Now();
                        Sequence(panels, features, px, ph, pz, pk, pr);
                        double seconds = (ThreadCpuClock.Now() - start) / (double)System.Diagnostics.Stopwatch.Frequency;
                        (panels ? shared : separate).Add(flops / seconds / 1e9);
                    }
        }
        shared.Sort();
        separate.Sort();
        return
        [
            new BenchmarkResult($"lstm weights, {features} features, fastest", shared[^1], separate[^1], BenchmarkUnit.GflopsPerSecond),
            new BenchmarkResult($"lstm weights, {features} features, median", shared[shared.Count / 2], separate[separate.Count / 2], BenchmarkUnit.GflopsPerSecond),
        ];
    }

    /// <summary>One sequence of a chunk's weight gradients, backward's step order.</summary>
    private static void Sequence(bool panels, int features, float* x, float* h, float* dz, float* kernelSums, float* recurrentSums)
    {
        int gu = Gates * Units;
        for (int s = Steps - 1; s >= 0; s--)
        {
            // Step s's input rows lie steps·features apart (read in place); its states and dZ are time-major.
            float* xt = x + (long)s * features, ht = h + (long)s * Batch * Units, dzt = dz + (long)s * Rows * gu;
            bool add = s != Steps - 1;
            if (panels)
                StepWeightGradients.Add(Rows, gu, dzt,
                    new StepWeightGradients.Side { A = xt, Lda = Steps * features, M = features, C = kernelSums },
                    new StepWeightGradients.Side { A = ht, Lda = Units, M = Units, C = recurrentSums }, add);
            else
            {
                Gemm.Multiply(true, false, features, gu, Rows, xt, Steps * features, dzt, gu, kernelSums, gu, accumulate: add);
                Gemm.Multiply(true, false, Units, gu, Rows, ht, Units, dzt, gu, recurrentSums, gu, accumulate: add);
            }
        }
    }
}

using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>Products run together in bands of rows give the bits of each product run alone, at any thread count.</summary>
public unsafe class GemmGroupTests
{
    public static TheoryData<int> Groups() => new() { 0, 1, 2, 3, 4 };

    // (transposeA, transposeB, m, n, k, accumulate): a recurrent backward's weight gradients (few rows, long k, A
    // transposed) beside its input gradient (many rows, B transposed), odd row counts that cut into ragged bands,
    // one-row and three-row products (the thin-row path), and products too small to share.
    private static readonly (bool Ta, bool Tb, int M, int N, int K, bool Accumulate)[][] Cases =
    [
        [(true, false, 28, 256, 3584, false), (true, false, 64, 256, 3584, false)],
        [(true, false, 64, 256, 3584, false), (true, false, 64, 256, 3584, false), (false, true, 3584, 64, 256, false)],
        [(true, false, 13, 60, 701, false), (true, false, 7, 30, 701, true), (true, false, 7, 15, 701, false), (false, true, 701, 13, 60, false)],
        [(false, false, 1, 300, 900, false), (false, false, 3, 129, 2100, true), (true, true, 97, 33, 450, false)],
        [(false, false, 5, 9, 3, false), (true, false, 2, 4, 6, true)],
    ];

    [Theory]
    [MemberData(nameof(Groups))]
    public void Gives_the_bits_of_each_product_alone(int group)
    {
        var problems = Cases[group].Select((c, i) => new Problem(c.Ta, c.Tb, c.M, c.N, c.K, c.Accumulate, seed: 10 * group + i)).ToArray();
        var alone = problems.Select(p => p.Alone()).ToArray();
        foreach (bool together in new[] { true, false })
            ThreadCounts.SameBits($"group {group}, together {together}", () =>
            {
                var results = Together(problems, together);
                ThreadCounts.Identical($"group {group} against each product alone", alone, results);
                return results;
            });
    }

    [Fact]
    public void A_fifth_product_is_refused()
    {
        var group = new GemmGroup();
        var one = new float[1];
        fixed (float* p = one)
        {
            for (int i = 0; i < GemmGroup.Capacity; i++) group.Add(false, false, 1, 1, 1, p, 1, p, 1, p, 1);
            InvalidOperationException? error = null;
            try
            {
                group.Add(false, false, 1, 1, 1, p, 1, p, 1, p, 1);
            }
            catch (InvalidOperationException e)
            {
                error = e;
            }
            Assert.NotNull(error);
            Assert.Contains("at most 4", error.Message);
        }
    }

    private static float[][] Together(Problem[] problems, bool together)
    {
        var outputs = problems.Select(p => (float[])p.C.Clone()).ToArray();
        var handles = new List<System.Buffers.MemoryHandle>();
        try
        {
            var group = new GemmGroup();
            for (int i = 0; i < problems.Length; i++)
            {
                var p = problems[i];
                var a = p.A.AsMemory().Pin();
                var b = p.B.AsMemory().Pin();
                var c = outputs[i].AsMemory().Pin();
                handles.AddRange([a, b, c]);
                group.Add(p.TransposeA, p.TransposeB, p.M, p.N, p.K, (float*)a.Pointer, p.Lda, (float*)b.Pointer, p.Ldb, (float*)c.Pointer, p.Ldc, p.Accumulate);
            }
            group.Run(together);
        }
        finally
        {
            foreach (var handle in handles) handle.Dispose();
        }
        return outputs;
    }

    /// <summary>Random operands stored as the transpose flags say, rows padded by three floats.</summary>
    private sealed class Problem
    {
        public readonly int M, N, K, Lda, Ldb, Ldc;
        public readonly bool TransposeA, TransposeB, Accumulate;
        public readonly float[] A, B, C;

        public Problem(bool transposeA, bool transposeB, int m, int n, int k, bool accumulate, int seed)
        {
            M = m; N = n; K = k; TransposeA = transposeA; TransposeB = transposeB; Accumulate = accumulate;
            Lda = (transposeA ? m : k) + 3;
            Ldb = (transposeB ? k : n) + 3;
            Ldc = n + 3;
            var random = new Random(seed);
            A = Fill(random, (transposeA ? k : m) * Lda);
            B = Fill(random, (transposeB ? n : k) * Ldb);
            C = Fill(random, m * Ldc);
        }

        /// <summary>The product alone, on one thread.</summary>
        public float[] Alone()
        {
            int saved = Parallelism.Threads;
            Parallelism.Threads = 1;
            try
            {
                var c = (float[])C.Clone();
                fixed (float* pa = A, pb = B, pc = c)
                    Gemm.Multiply(TransposeA, TransposeB, M, N, K, pa, Lda, pb, Ldb, pc, Ldc, Accumulate);
                return c;
            }
            finally
            {
                Parallelism.Threads = saved;
            }
        }

        private static float[] Fill(Random random, int length)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            return values;
        }
    }
}

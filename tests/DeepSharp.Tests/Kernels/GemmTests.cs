using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

public unsafe class GemmTests
{
    // (m, n, k): odd sizes around the tile sizes of every kernel (4×4, 6×8, 6×16, 12×32 and its 8/4-row, 16-column
    // edge tiles), k = 1 and k spread over several k blocks, shapes on both sides of the pack-or-read-in-place
    // choices, more rows than one packed A block and more columns than one B block.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (2, 7, 1), (7, 2, 3), (31, 33, 7), (33, 31, 63), (63, 65, 2), (65, 63, 129),
        (12, 32, 300), (13, 37, 600), (127, 10, 31), (129, 300, 17), (300, 129, 9), (70, 300, 40), (20, 40, 300),
        (200, 260, 9), (3, 1100, 5), (16, 45, 70),
    ];

    // SIMD levels travel as their bit widths (512, 256, 128, 0): SimdLevel is internal and xUnit needs public signatures.
    public static TheoryData<int, bool, bool> Variants()
    {
        var data = new TheoryData<int, bool, bool>();
        foreach (int level in new[] { 0, 128, 256, 512 })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    data.Add(level, ta, tb);
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Matches_the_reference_on_odd_shapes(int level, bool transposeA, bool transposeB)
    {
        int seed = 1;
        foreach (var (m, n, k) in Shapes)
        {
            var problem = new Problem(m, n, k, transposeA, transposeB, padding: seed % 3 * 5, seed++);
            problem.Check(level, accumulate: false);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Accumulates_into_existing_values(int level, bool transposeA, bool transposeB)
    {
        foreach (var (m, n, k) in new[] { (5, 9, 3), (40, 70, 520), (130, 33, 65) })
            new Problem(m, n, k, transposeA, transposeB, padding: 2, seed: m + n + k).Check(level, accumulate: true);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void Two_threads_give_the_same_bits_as_one(int level)
    {
        int saved = Parallelism.Threads;
        try
        {
            // Tall, wide and square products, all large enough to be split between threads.
            foreach (var (m, n, k) in new[] { (400, 40, 70), (30, 400, 90), (150, 170, 300) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                    {
                        var problem = new Problem(m, n, k, ta, tb, padding: 1, seed: m * 7 + k);
                        Parallelism.Threads = 1;
                        var one = problem.Run(level, accumulate: false);
                        Parallelism.Threads = 2;
                        var two = problem.Run(level, accumulate: false);
                        Assert.Equal(one, two);
                        problem.AssertClose(problem.Expected(accumulate: false), two);
                    }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void Products_cut_along_k_give_the_bits_of_one_thread(int level)
    {
        // Few rows of C against a long k: two threads each sum whole k blocks (two, three and four blocks, the last one
        // short), both ways of A and B, overwriting and accumulating, a padded layout; one thread never cuts along k.
        foreach (var (m, n, k) in new[] { (32, 128, 784), (100, 70, 1001), (8, 300, 1600), (64, 33, 520) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (bool accumulate in new[] { false, true })
                    {
                        var problem = new Problem(m, n, k, ta, tb, padding: m % 3 * 2, seed: m + n + k);
                        Assert.True(GemmKBlocks.Takes(problem.Shape(), GemmDriver<GemmKernel512>.KcStepFor(k), threads: 2, parallelMinFlops: 2_000_000),
                            $"{m}×{n}×{k} should be cut along k");
                        var one = ThreadCounts.At(1, () => problem.Run(level, accumulate));
                        var two = ThreadCounts.At(2, () => problem.Run(level, accumulate));
                        ThreadCounts.Identical($"{m}×{n}×{k}, transposed A {ta}, B {tb}, accumulate {accumulate}: two threads against one", [one], [two]);
                        problem.AssertClose(problem.Expected(accumulate), two);
                    }
    }

    [Fact]
    public void Allocates_no_managed_memory_once_warm()
    {
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.Threads = threads;
                foreach (var (m, n, k, tb) in new[] { (200, 150, 300, false), (32, 300, 130, true) })
                {
                    var problem = new Problem(m, n, k, false, tb, padding: 0, seed: 5);
                    var c = new float[m * n];
                    fixed (float* pa = problem.A, pb = problem.B, pc = c)
                    {
                        Gemm.Multiply(false, tb, m, n, k, pa, problem.Lda, pb, problem.Ldb, pc, problem.Ldc);
                        long before = GC.GetAllocatedBytesForCurrentThread();
                        Gemm.Multiply(false, tb, m, n, k, pa, problem.Lda, pb, problem.Ldb, pc, problem.Ldc);
                        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
                    }
                }
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Products_of_one_to_three_rows_give_the_bits_of_the_tiled_kernels(bool accumulate)
    {
        // Thirteen rows go through the tiled kernels (a 12-row tile and a 1-row edge); the same rows one to three at a
        // time take the thin path, which must sum every element in the same order. k spans one to four k blocks; n
        // covers 128-column chunks, 64-column chunks and masked tails, with a padded B that is packed (ldb > 256).
        foreach (var (n, k) in new[] { (10, 128), (128, 784), (200, 1600), (784, 37), (300, 401), (1, 1) })
        {
            var all = new Problem(13, n, k, false, false, padding: n == 300 ? 3 : 0, seed: n + k);
            var tiled = all.Run(512, accumulate);
            foreach (var (first, rows) in new[] { (0, 1), (5, 2), (10, 3), (12, 1) })
            {
                var c = (float[])all.C.Clone();
                fixed (float* pa = all.A, pb = all.B, pc = c)
                    Gemm.Multiply(SimdLevel.Vector512, false, false, rows, n, k, pa + first * all.Lda, all.Lda, pb, all.Ldb, pc + first * all.Ldc,
                        all.Ldc, accumulate);
                for (int i = first * all.Ldc; i < (first + rows) * all.Ldc; i++)
                    if (BitConverter.SingleToInt32Bits(c[i]) != BitConverter.SingleToInt32Bits(tiled[i]))
                        Assert.Fail($"{rows} row(s) from row {first}, n={n}, k={k}: element {i / all.Ldc},{i % all.Ldc} is {c[i]:R}, the tiled kernels give {tiled[i]:R}.");
            }
        }
    }

    [Fact]
    public void Products_of_one_column_give_the_bits_of_the_tiled_kernels()
    {
        // With AVX-512 one column of C takes the thin-column path; 256-bit lanes take the tiled kernels, which sum each
        // element in the same order. Both ways of A and of B, odd row counts (eight-row groups and a tail, 64-wide vectors
        // and a masked tail), k over one to four k blocks, a padded A, overwriting and accumulating.
        foreach (var (m, k) in new[] { (64, 6272), (6272, 64), (13, 401), (1, 1), (9, 1), (100, 37), (71, 1600) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (bool accumulate in new[] { false, true })
                    {
                        var problem = new Problem(m, 1, k, ta, tb, padding: m % 3, seed: m + k);
                        var tiled = problem.Run(256, accumulate);
                        var thin = problem.Run(512, accumulate);
                        for (int i = 0; i < thin.Length; i++)
                            if (BitConverter.SingleToInt32Bits(thin[i]) != BitConverter.SingleToInt32Bits(tiled[i]))
                                Assert.Fail($"{m}×1×{k}, transposed A {ta}, B {tb}, accumulate {accumulate}: element {i} is {thin[i]:R}, the tiled kernels give {tiled[i]:R}.");
                    }
    }

    [Fact]
    public void Products_of_one_column_shared_between_threads_give_the_bits_of_the_calling_thread()
    {
        // Bands of eight rows of A, or of 64 columns of a transposed A, on the workers (GemmThinColumn.Parallel) against the
        // whole product on the calling thread: the DCGAN logit's forward and kernel gradient, odd shapes just over the size
        // that is shared out (a tail group, two bands), k over several k blocks, both ways of B, overwriting and accumulating.
        bool saved = GemmThinColumn.Parallel;
        try
        {
            foreach (var (m, k) in new[] { (64, 6272), (6272, 64), (71, 1600), (9, 8000), (1030, 70), (200, 900) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        foreach (bool accumulate in new[] { false, true })
                        {
                            var problem = new Problem(m, 1, k, ta, tb, padding: m % 3, seed: m + 2 * k);
                            GemmThinColumn.Parallel = false;
                            var serial = problem.Run(512, accumulate);
                            GemmThinColumn.Parallel = true;
                            ThreadCounts.SameBits($"{m}×1×{k}, transposed A {ta}, B {tb}, accumulate {accumulate}", () =>
                            {
                                var shared = problem.Run(512, accumulate);
                                ThreadCounts.Identical("shared out against the calling thread", [serial], [shared]);
                                return [shared];
                            });
                        }
        }
        finally
        {
            GemmThinColumn.Parallel = saved;
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void A_b_packed_beforehand_gives_the_bits_of_the_product_that_packs_it(int level)
    {
        // Odd shapes, one to three rows (the thin path reads B where it lies), edge column panels, k over several
        // blocks, a padded B, the recurrent steps' shapes; both ways of A, overwriting and accumulating, one and two threads.
        foreach (var (m, n, k) in new[] { (1, 1, 1), (2, 7, 3), (3, 300, 5), (5, 33, 7), (13, 37, 600), (64, 256, 64), (100, 64, 256), (33, 1030, 260), (129, 45, 801) })
            foreach (bool ta in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                    foreach (int threads in new[] { 1, 2 })
                    {
                        var problem = new Problem(m, n, k, ta, false, padding: m % 3 * 3, seed: m + 3 * n + k);
                        var (expected, packed) = ThreadCounts.At(threads, () => (problem.Run(level, accumulate), problem.RunPacked(level, accumulate)));
                        ThreadCounts.Identical($"{m}×{n}×{k}, transposed A {ta}, accumulate {accumulate}, {threads} threads: packed against unpacked", [expected], [packed]);
                    }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void A_transposed_b_packed_beforehand_gives_the_bits_of_the_product_that_transposes_it(int level)
    {
        // A·Bᵀ with Bᵀ's panels made once (a Dense layer's input gradient in groups of rows): odd shapes, edge panels, k
        // over several blocks, padded operands, few rows (where the product is computed transposed and reads B in place).
        foreach (var (m, n, k) in new[] { (1, 1, 1), (2, 7, 3), (5, 33, 7), (13, 37, 600), (512, 64, 192), (512, 128, 64), (100, 17, 33), (129, 45, 801) })
            foreach (bool ta in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                    foreach (int threads in new[] { 1, 2 })
                    {
                        var problem = new Problem(m, n, k, ta, true, padding: m % 3 * 3, seed: m + 5 * n + k);
                        var (expected, packed) = ThreadCounts.At(threads, () => (problem.Run(level, accumulate), problem.RunPackedTransposed(level, accumulate)));
                        ThreadCounts.Identical($"{m}×{n}×{k}, transposed A {ta}, accumulate {accumulate}, {threads} threads: packed against unpacked", [expected], [packed]);
                    }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void A_product_that_prefetches_memory_gives_the_bits_of_one_that_does_not(int level)
    {
        // Prefetching is a hint: the tiled path (one and two threads, several items), the k-block cut (few rows, long k),
        // the thin paths, and ranges shorter and far longer than the product's tiles; the range is left as it was.
        foreach (var (m, n, k) in new[] { (1, 7, 3), (5, 33, 7), (512, 64, 192), (512, 128, 64), (64, 33, 520), (129, 45, 801) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (int threads in new[] { 1, 2 })
                        foreach (int floats in new[] { 16, 5000, 1 << 20 })
                        {
                            var problem = new Problem(m, n, k, ta, tb, padding: m % 3, seed: m + 7 * n + k);
                            var range = new float[floats];
                            for (int i = 0; i < floats; i++) range[i] = i;
                            var (expected, prefetching) = ThreadCounts.At(threads, () => (problem.Run(level, accumulate: true), problem.RunPrefetching(level, range)));
                            ThreadCounts.Identical($"{m}×{n}×{k}, transposed A {ta}, B {tb}, {threads} threads, {floats} floats prefetched: against without", [expected], [prefetching]);
                            for (int i = 0; i < floats; i++) Assert.Equal(i, range[i]);
                        }
    }

    [Fact]
    public void Empty_sum_clears_or_keeps_c()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        var a = new float[1];
        var b = new float[1];
        fixed (float* pa = a, pb = b, pc = c)
        {
            Gemm.Multiply(false, false, 2, 2, 0, pa, 1, pb, 2, pc, 3, accumulate: true);
            Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c);
            Gemm.Multiply(false, false, 2, 2, 0, pa, 1, pb, 2, pc, 3);
            Assert.Equal(new float[] { 0, 0, 3, 0, 0, 6 }, c);
        }
    }

    [Fact]
    public void Leaves_c_outside_the_product_untouched()
    {
        // C is a 9×20 window of a 9×25 buffer: the padding columns must keep their values.
        var problem = new Problem(9, 20, 11, false, false, padding: 5, seed: 3);
        var before = (float[])problem.C.Clone();
        var after = problem.Run(512, accumulate: false);
        for (int i = 0; i < 9; i++)
            for (int j = 20; j < 25; j++)
                Assert.Equal(before[i * 25 + j], after[i * 25 + j]);
    }

    private struct Marking
    {
        public float* C;
        public int Ldc;
        public int* Visits;
    }

    /// <summary>An epilogue that adds 1000 to each element of its rectangle and counts the visit.</summary>
    private static void Mark(void* state, int row0, int row1, int column0, int column1)
    {
        var m = (Marking*)state;
        for (int i = row0; i < row1; i++)
            for (int j = column0; j < column1; j++)
            {
                m->C[i * m->Ldc + j] += 1000f;
                m->Visits[i * m->Ldc + j]++;
            }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void An_epilogue_sees_every_element_of_c_once_after_its_last_k_block(int level)
    {
        int saved = Parallelism.Threads;
        try
        {
            // Thin rows, one tile, odd edges, several k blocks, a transposed C (A·Bᵀ with few rows), many rectangles.
            foreach (var (m, n, k, tb) in new[] { (2, 70, 9, false), (12, 32, 5, false), (37, 45, 600, false), (5, 300, 700, true),
                         (2048, 128, 64, false), (300, 129, 9, true) })
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    Parallelism.Threads = threads;
                    var problem = new Problem(m, n, k, false, tb, padding: 3, seed: m + n);
                    var plain = problem.Run(level, accumulate: false);
                    var c = (float[])problem.C.Clone();
                    var visits = new int[c.Length];
                    fixed (float* pa = problem.A, pb = problem.B, pc = c)
                    fixed (int* pv = visits)
                    {
                        var marking = new Marking { C = pc, Ldc = problem.Ldc, Visits = pv };
                        Gemm.Multiply((SimdLevel)level, false, tb, m, n, k, pa, problem.Lda, pb, problem.Ldb, pc, problem.Ldc,
                            epilogue: new GemmEpilogue(&Mark, &marking));
                    }
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < problem.Ldc; j++)
                        {
                            int at = i * problem.Ldc + j;
                            bool inside = j < n;
                            Assert.True(visits[at] == (inside ? 1 : 0), $"{m}×{n}×{k} at {threads} threads: element {i},{j} visited {visits[at]} times");
                            Assert.Equal(inside ? plain[at] + 1000f : problem.C[at], c[at]);
                        }
                }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    /// <summary>Random operands stored as the transpose flags say, with <c>padding</c> extra floats per row.</summary>
    private sealed class Problem
    {
        public readonly int M, N, K, Lda, Ldb, Ldc;
        public readonly bool TransposeA, TransposeB;
        public readonly float[] A, B, C;

        public Problem(int m, int n, int k, bool transposeA, bool transposeB, int padding, int seed)
        {
            M = m; N = n; K = k; TransposeA = transposeA; TransposeB = transposeB;
            Lda = (transposeA ? m : k) + padding;
            Ldb = (transposeB ? k : n) + padding;
            Ldc = n + padding;
            var random = new Random(seed);
            A = Fill(random, (transposeA ? k : m) * Lda);
            B = Fill(random, (transposeB ? n : k) * Ldb);
            C = Fill(random, m * Ldc);
        }

        private static float[] Fill(Random random, int length)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            return values;
        }

        /// <summary>The product's dimensions as the driver sees them (no operands).</summary>
        public GemmProblem Shape() => new() { M = M, N = N, K = K, TransposeA = TransposeA, TransposeB = TransposeB, Lda = Lda, Ldb = Ldb, Ldc = Ldc };

        public float[] Run(int level, bool accumulate)
        {
            var c = (float[])C.Clone();
            fixed (float* pa = A, pb = B, pc = c)
                Gemm.Multiply((SimdLevel)level, TransposeA, TransposeB, M, N, K, pa, Lda, pb, Ldb, pc, Ldc, accumulate);
            return c;
        }

        /// <summary>The product with B cut into panels first (B untransposed).</summary>
        public float[] RunPacked(int level, bool accumulate)
        {
            var c = (float[])C.Clone();
            var packed = new float[Gemm.PackedBSize((SimdLevel)level, K, N) + 1];
            // The product reads the panels, not B: but for the thin path of one to three rows, B's place holds NaNs.
            var unread = (float[])B.Clone();
            if (M > GemmThinRows.MaxRows || Gemm.Available((SimdLevel)level) != SimdLevel.Vector512) Array.Fill(unread, float.NaN);
            fixed (float* pa = A, pb = B, pu = unread, pc = c, pp = packed)
            {
                // One float past the end stays as it was: the panels fill exactly the size asked for.
                pp[packed.Length - 1] = 12345f;
                Gemm.PackB((SimdLevel)level, K, N, pb, Ldb, pp);
                Assert.Equal(12345f, pp[packed.Length - 1]);
                Gemm.Multiply((SimdLevel)level, TransposeA, false, M, N, K, pa, Lda, pu, Ldb, pc, Ldc, accumulate, pp);
            }
            return c;
        }

        /// <summary>The product A·Bᵀ with Bᵀ cut into panels first (B stored n×k).</summary>
        public float[] RunPackedTransposed(int level, bool accumulate)
        {
            var c = (float[])C.Clone();
            var packed = new float[Gemm.PackedBSize((SimdLevel)level, K, N) + 1];
            fixed (float* pa = A, pb = B, pc = c, pp = packed)
            {
                pp[packed.Length - 1] = 12345f;
                Gemm.PackTransposedB((SimdLevel)level, K, N, pb, Ldb, pp);
                Assert.Equal(12345f, pp[packed.Length - 1]);
                Gemm.Multiply((SimdLevel)level, TransposeA, true, M, N, K, pa, Lda, pb, Ldb, pc, Ldc, accumulate, pp);
            }
            return c;
        }

        /// <summary>The product accumulated into C while it prefetches <paramref name="range"/>.</summary>
        public float[] RunPrefetching(int level, float[] range)
        {
            var c = (float[])C.Clone();
            fixed (float* pa = A, pb = B, pc = c, pr = range)
                Gemm.Multiply((SimdLevel)level, TransposeA, TransposeB, M, N, K, pa, Lda, pb, Ldb, pc, Ldc, accumulate: true,
                    prefetch: pr, prefetchFloats: range.Length);
            return c;
        }

        public float[] Expected(bool accumulate)
        {
            var c = (float[])C.Clone();
            fixed (float* pa = A, pb = B, pc = c)
                GemmReference.Multiply(TransposeA, TransposeB, M, N, K, pa, Lda, pb, Ldb, pc, Ldc, accumulate);
            return c;
        }

        public void Check(int level, bool accumulate) => AssertClose(Expected(accumulate), Run(level, accumulate));

        public void AssertClose(float[] expected, float[] actual)
        {
            // Operands lie in [-1, 1]: float32 rounding of a k-term sum stays well inside 1e-6 per term.
            double tolerance = 1e-6 * (K + 4);
            for (int i = 0; i < expected.Length; i++)
            {
                double error = Math.Abs(expected[i] - actual[i]);
                if (error > tolerance)
                    Assert.Fail($"{M}×{N}×{K} transposeA={TransposeA} transposeB={TransposeB}: element {i / Ldc},{i % Ldc} " +
                        $"is {actual[i]}, expected {expected[i]} (tolerance {tolerance:g3}).");
            }
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>One GEMM call's operands, as <see cref="Gemm.Multiply(bool, bool, int, int, int, float*, int, float*, int, float*, int, bool, float*, GemmEpilogue, float*, long)"/> received them.</summary>
internal unsafe struct GemmProblem
{
    public bool TransposeA, TransposeB, Accumulate;
    public int M, N, K;
    public float* A, B, C;
    public nint Lda, Ldb, Ldc;

    /// <summary>op(B) already cut into the kernel's panels by <see cref="Gemm.PackB(int, int, float*, int, float*)"/> or <see cref="Gemm.PackTransposedB(int, int, float*, int, float*)"/>, or null.</summary>
    public float* PackedB;

    /// <summary>Work on each finished rectangle of C, or none.</summary>
    public GemmEpilogue Epilogue;

    /// <summary>
    /// Memory the caller reads next, or null: <see cref="PrefetchFloats"/> floats from here on, brought into L2 a few cache
    /// lines after each micro-kernel call, so that their trip from memory overlaps this product's arithmetic.
    /// </summary>
    public float* Prefetch;

    /// <summary>The length of <see cref="Prefetch"/>'s range.</summary>
    public long PrefetchFloats;
}

/// <summary>
/// The blocking loops around a micro-kernel (the BLIS structure): k is cut into blocks of at most
/// <see cref="KcMax"/>, C into column blocks of <see cref="NcTiles"/> tiles and row blocks of <see cref="McTiles"/>
/// tiles. Per k block, B's kc×nc block is packed into panels that stay in L2, and for each row tile the
/// micro-kernel sweeps all column panels with the same A panel, which stays in L1.
/// <para>
/// Packing is skipped where it does not pay (measured on the seed models' shapes): a row-major A is read in
/// place, its rows a stride apart (packing it means transposing, and costs more than the kernel loses); a
/// column-major A is packed only when many column panels reuse it; B is read in place when its rows are
/// short, so that a panel's rows share pages. Edge tiles are always packed, zero padded.
/// </para>
/// <para>
/// Threads get disjoint rectangles of C, each packing into its own buffers. Every C element sums the same
/// k blocks in the same order however C is cut, so results do not depend on the number of threads.
/// </para>
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    private const int KcMax = 400;                // the A panel (12·kc floats, 19 KB) stays in L1; k = 784 takes 2 blocks
    private const int McTiles = 16;               // rows per A block when A is packed
    private const int NcTiles = 24;               // B block of up to KcMax × 24·NR floats: about 1.2 MB, in L2
    private const int PackTransposedAMinN = 256;  // pack a column-major A when at least 8 column panels reuse it
    private const int PackBMinLdb = 257;          // read B in place while ldb ≤ 256 (several rows per page)
    private const int PackMisalignedBMinM = 256;  // ... and while it is 64-byte aligned or A has few rows
    private const long ParallelMinFlops = 2_000_000; // below this, waking a second thread costs more than it saves
    private const int MaxPrefetchLinesPerTile = 64;  // a range much larger than the product is prefetched only in part

    // The driver's loops call the micro-kernel thousands of times per product: they are compiled optimized at
    // once rather than spending the first calls in tier-0 code (on every thread that runs them).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run(in GemmProblem original)
    {
        if (typeof(TKernel) == typeof(GemmKernel512) && GemmThinRows.Takes(original, ParallelMinFlops))
        {
            GemmThinRows.Run(original, KcStepFor(original.K));
            if (original.Epilogue.IsSome) original.Epilogue.Run(0, original.M, 0, original.N);
            return;
        }
        if (typeof(TKernel) == typeof(GemmKernel512) && GemmThinColumn.Takes(original))
        {
            GemmThinColumn.Run(original, KcStepFor(original.K));
            if (original.Epilogue.IsSome) original.Epilogue.Run(0, original.M, 0, original.N);
            return;
        }
        if (GemmKBlocks.Takes(original, KcStepFor(original.K), WorkerPool.InsideJob ? 1 : Parallelism.Threads, ParallelMinFlops))
        {
            GemmKBlocks.Run<TKernel>(original, KcStepFor(original.K));
            return;
        }
        int mr = TKernel.Rows, nr = TKernel.Columns;
        var problem = original;
        bool transposedC = ComputeTransposed(original);
        if (transposedC)
        {
            // Cᵀ = op(B)ᵀ·op(A)ᵀ: B's rows become the broadcast side, A the loaded side; C and ldc stay.
            problem.TransposeA = !original.TransposeB;
            problem.TransposeB = !original.TransposeA;
            problem.M = original.N;
            problem.N = original.M;
            problem.A = original.B;
            problem.B = original.A;
            problem.Lda = original.Ldb;
            problem.Ldb = original.Lda;
        }
        var plan = new Plan { P = problem, TransposedC = transposedC };
        plan.KcStep = KcStepFor(problem.K);
        plan.Mc = McTiles * mr;
        plan.Nc = NcTiles * nr;
        plan.PackA = problem.TransposeA && problem.N >= PackTransposedAMinN;
        // A B row that starts off a 64-byte boundary makes every vector load straddle two cache lines: worth a
        // copy once enough rows of A reuse each panel.
        bool misaligned = ((nint)problem.B & 63) != 0 || (problem.Ldb & 15) != 0;
        plan.PackB = problem.TransposeB || problem.Ldb >= PackBMinLdb || (misaligned && problem.M >= PackMisalignedBMinM);
        // A B packed beforehand serves the product as given (never the transposed one, which swaps A and B).
        if (transposedC) plan.P.PackedB = null;
        if (plan.P.PackedB != null) plan.PackB = true;
        long flops = 2L * problem.M * problem.N * problem.K;
        // Inside another parallel job (a recurrent worker's step) the items would run one after the other anyway.
        int threads = flops < ParallelMinFlops || WorkerPool.InsideJob ? 1 : Parallelism.Threads;
        ChooseGrid(ref plan, (problem.M + mr - 1) / mr, (problem.N + nr - 1) / nr, threads);
        int items = plan.RowParts * plan.ColumnParts;
        if (threads == 1)
            for (int item = 0; item < items; item++) plan.Execute(item);
        else WorkerPool.For(items, ref plan);
    }

    /// <summary>Floats of B (k×n, untransposed) cut into panels for every k block: the layout <see cref="PackWhole"/> writes.</summary>
    internal static long PackedSize(int k, int n) => (long)k * ((n + TKernel.Columns - 1) / TKernel.Columns) * TKernel.Columns;

    /// <summary>
    /// B (k×n, row-major; or stored n×k when <paramref name="transposed"/>) as <see cref="Run"/> would pack it, all k blocks
    /// and column panels at once: block pc's panels start at pc·(n rounded up to whole panels), panel q of it at q·kc·Columns.
    /// </summary>
    internal static void PackWhole(int k, int n, float* b, nint ldb, float* destination, bool transposed = false)
    {
        int kcStep = KcStepFor(k), nr = TKernel.Columns;
        long padded = (long)(n + nr - 1) / nr * nr;
        for (int pc = 0; pc < k; pc += kcStep)
            GemmPacking<TKernel>.PackB(transposed, b, ldb, 0, n, pc, Math.Min(kcStep, k - pc), destination + pc * padded);
    }

    /// <summary>The length of the k blocks for a shared dimension of <paramref name="k"/>: equal blocks of at most <see cref="KcMax"/>, no short last block.</summary>
    internal static int KcStepFor(int k)
    {
        int kBlocks = (k + KcMax - 1) / KcMax;
        return (k + kBlocks - 1) / kBlocks;
    }

    /// <summary>
    /// Whether to compute Cᵀ = op(B)ᵀ·op(A)ᵀ and write it transposed. A·Bᵀ with few rows (an input gradient
    /// at a small batch) would otherwise transpose all of B (k×n floats) into panels on every call; the other
    /// way round it reads B in place, transposes only A (k×m), and pays for writing C's tiles transposed.
    /// Costs are rough cycles per float, measured.
    /// </summary>
    private static bool ComputeTransposed(in GemmProblem p)
    {
        if (!p.TransposeB) return false;
        int kBlocks = (p.K + KcMax - 1) / KcMax;
        double asIs = 0.4 * p.K * p.N;
        double transposed = (p.TransposeA ? 0 : 0.4 * p.K * p.M) + 0.35 * p.M * p.N * kBlocks;
        return transposed < asIs;
    }

    /// <summary>
    /// Cuts C into RowParts × ColumnParts rectangles for <paramref name="threads"/> threads, minimising a
    /// rough cycle estimate: the rounds of items a thread runs times one item's arithmetic and data movement.
    /// Cutting rows makes every part read (or pack) all of B, cutting columns all of A.
    /// </summary>
    private static void ChooseGrid(ref Plan plan, int rowTiles, int columnTiles, int threads)
    {
        plan.RowTiles = rowTiles;
        plan.ColumnTiles = columnTiles;
        plan.RowParts = plan.ColumnParts = 1;
        // An epilogue wants its rectangles to fit in L2; the sums of C do not depend on the cut.
        int fewestItems = plan.P.Epilogue.IsSome
            ? (int)Math.Min(rowTiles, ((long)plan.P.M * plan.P.N + GemmEpilogue.RectangleFloats - 1) / GemmEpilogue.RectangleFloats)
            : 1;
        if (threads <= 1)
        {
            plan.RowParts = fewestItems;
            return;
        }
        int mr = TKernel.Rows, nr = TKernel.Columns, k = plan.P.K;
        // Cycles per float of an item's share of A (rows × k) and of B (k × columns): reading in place still
        // brings the data from memory once, a copying pack costs a little more, a transposing pack more again.
        double aCost = !plan.PackA ? 0.3 : 0.5;
        double bCost = !plan.PackB ? 0.3 : plan.P.TransposeB ? 1.0 : 0.5;
        // Two passes: the cheapest cut, then the one with the most items that costs at most 1.5% more. Items are
        // handed out as threads come free, so more of them let a thread whose core is busy elsewhere fall
        // behind without holding up the call.
        int maxItems = Math.Max(4 * threads, fewestItems);
        double best = double.MaxValue;
        for (int pass = 0; pass < 2; pass++)
        {
            double limit = best * 1.015;
            int mostItems = 0;
            for (int r = 1; r <= Math.Min(rowTiles, maxItems); r++)
            {
                for (int c = 1; c <= Math.Min(columnTiles, maxItems / r); c++)
                {
                    if (r * c < fewestItems) continue;
                    int rounds = (r * c + threads - 1) / threads;
                    long itemRows = (long)(rowTiles + r - 1) / r * mr, itemColumns = (long)(columnTiles + c - 1) / c * nr;
                    double arithmetic = itemRows * itemColumns * k / 32.0; // about 32 multiply-adds a cycle
                    double movement = itemRows * k * aCost + itemColumns * k * bCost;
                    double cost = rounds * (arithmetic + movement + 3000);  // + waking a worker, about a microsecond
                    if (pass == 0) best = Math.Min(best, cost);
                    else if (cost <= limit && r * c > mostItems)
                    {
                        mostItems = r * c;
                        plan.RowParts = r;
                        plan.ColumnParts = c;
                    }
                }
            }
        }
    }

    private struct Plan : IParallelBody
    {
        public GemmProblem P;
        public int KcStep, Mc, Nc;
        public bool PackA, PackB, TransposedC;
        public int RowTiles, ColumnTiles, RowParts, ColumnParts;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int item)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            int ri = item / ColumnParts, ci = item % ColumnParts;
            int row0 = (int)((long)RowTiles * ri / RowParts) * mr;
            int row1 = Math.Min(P.M, (int)((long)RowTiles * (ri + 1) / RowParts) * mr);
            int column0 = (int)((long)ColumnTiles * ci / ColumnParts) * nr;
            int column1 = Math.Min(P.N, (int)((long)ColumnTiles * (ci + 1) / ColumnParts) * nr);
            if (row0 >= row1 || column0 >= column1) return;
            // Each item prefetches its share of the range.
            int items = RowParts * ColumnParts;
            long first = P.PrefetchFloats * item / items, last = P.PrefetchFloats * (item + 1) / items;
            RunBlock(row0, row1, column0, column1, P.Prefetch == null ? null : (byte*)(P.Prefetch + first), (last - first) * sizeof(float));
            if (!P.Epilogue.IsSome) return;
            // A transposed product cut Cᵀ: its rows are C's columns.
            if (TransposedC) P.Epilogue.Run(column0, column1, row0, row1);
            else P.Epilogue.Run(row0, row1, column0, column1);
        }

        /// <summary>
        /// Computes rows [row0, row1) × columns [column0, column1) of C on this thread, prefetching
        /// <paramref name="prefetchBytes"/> bytes from <paramref name="prefetch"/> (null: none) over its micro-kernel calls.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void RunBlock(int row0, int row1, int column0, int column1, byte* prefetch, long prefetchBytes)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            // A few lines after each tile rather than all at once: a burst of misses would stall the kernel until most arrive.
            byte* prefetchEnd = prefetch + prefetchBytes;
            long tiles = (long)((row1 - row0 + mr - 1) / mr) * ((column1 - column0 + nr - 1) / nr) * ((P.K + KcStep - 1) / KcStep);
            int linesPerTile = prefetch == null || prefetchBytes <= 0 || !Sse.IsSupported ? 0 : (int)Math.Min(MaxPrefetchLinesPerTile, ((prefetchBytes + 63) / 64 + tiles - 1) / tiles);
            var buffers = GemmBuffers.Current;
            float* aPanel = PackA ? buffers.Get(GemmBuffers.A, (long)Mc * KcStep) : null;
            bool prepacked = P.PackedB != null;
            float* bPanel = PackB && !prepacked ? buffers.Get(GemmBuffers.B, (long)Nc * KcStep) : null;
            float* aEdge = buffers.Get(GemmBuffers.AEdge, (long)mr * KcStep);
            float* bEdge = buffers.Get(GemmBuffers.BEdge, (long)nr * KcStep);
            float* scratch = TransposedC ? buffers.Get(GemmBuffers.Tile, (long)mr * nr) : null;
            for (int jc = column0; jc < column1; jc += Nc)
            {
                int nc = Math.Min(Nc, column1 - jc);
                for (int pc = 0; pc < P.K; pc += KcStep)
                {
                    int kc = Math.Min(KcStep, P.K - pc);
                    bool add = P.Accumulate || pc > 0;
                    if (prepacked) bPanel = P.PackedB + (long)pc * ColumnTiles * nr + (long)(jc / nr) * kc * nr;
                    else if (PackB) GemmPacking<TKernel>.PackB(P.TransposeB, P.B, P.Ldb, jc, nc, pc, kc, bPanel);
                    else if (nc % nr != 0) GemmPacking<TKernel>.PackB(false, P.B, P.Ldb, jc + nc - nc % nr, nc % nr, pc, kc, bEdge);
                    for (int ic = row0; ic < row1; ic += Mc)
                    {
                        int mc = Math.Min(Mc, row1 - ic);
                        if (PackA) GemmPacking<TKernel>.PackA(P.TransposeA, P.A, P.Lda, ic, mc, pc, kc, aPanel);
                        else if (mc % mr != 0 && !ReadsInPlace(mc % mr)) GemmPacking<TKernel>.PackA(P.TransposeA, P.A, P.Lda, ic + mc - mc % mr, mc % mr, pc, kc, aEdge);
                        for (int ir = 0; ir < mc; ir += mr)
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                Tile(ic, ir, mc, jc, jr, nc, pc, kc, add, aPanel, aEdge, bPanel, bEdge, scratch);
                                for (int l = 0; l < linesPerTile && prefetch < prefetchEnd; l++, prefetch += 64) Sse.Prefetch1(prefetch);
                            }
                    }
                }
            }
        }

        /// <summary>
        /// Whether a row tile of <paramref name="rows"/> rows of an unpacked A is read where it lies: full tiles
        /// always, edge tiles of a row-major A when the kernel has a tile that height (else they are packed).
        /// </summary>
        private readonly bool ReadsInPlace(int rows) =>
            rows == TKernel.Rows || (!P.TransposeA && TKernel.ReadsRowMajor(rows));

        /// <summary>One micro-kernel call: finds where this tile's A and B panels live (packed, edge, in place).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Tile(int ic, int ir, int mc, int jc, int jr, int nc, int pc, int kc, bool add,
            float* aPanel, float* aEdge, float* bPanel, float* bEdge, float* scratch)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            int rows = Math.Min(mr, mc - ir), columns = Math.Min(nr, nc - jr);
            float* b;
            nint bStep;
            if (PackB) { b = bPanel + (long)(jr / nr) * kc * nr; bStep = nr; }
            else if (columns < nr) { b = bEdge; bStep = nr; }
            else { b = P.B + pc * P.Ldb + jc + jr; bStep = P.Ldb; }
            // A transposed product computes its tile into scratch, then writes it across C's rows.
            float* c = TransposedC ? scratch : P.C + (ic + ir) * P.Ldc + jc + jr;
            nint ldc = TransposedC ? nr : P.Ldc;
            bool addHere = add && !TransposedC;
            if (PackA) TKernel.Run(kc, aPanel + (long)(ir / mr) * kc * mr, mr, b, bStep, c, ldc, rows, columns, addHere);
            else if (!ReadsInPlace(rows)) TKernel.Run(kc, aEdge, mr, b, bStep, c, ldc, rows, columns, addHere);
            else if (P.TransposeA) TKernel.Run(kc, P.A + pc * P.Lda + ic + ir, P.Lda, b, bStep, c, ldc, rows, columns, addHere);
            else TKernel.RunRowMajorA(kc, P.A + (ic + ir) * P.Lda + pc, P.Lda, b, bStep, c, ldc, rows, columns, addHere);
            if (TransposedC) GemmTile.AddTransposed(scratch, nr, rows, columns, P.C + (jc + jr) * P.Ldc + ic + ir, P.Ldc, add);
        }
    }
}

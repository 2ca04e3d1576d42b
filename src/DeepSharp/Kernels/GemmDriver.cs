namespace DeepSharp.Kernels;

/// <summary>One GEMM call's operands, as <see cref="Gemm.Multiply(bool, bool, int, int, int, float*, int, float*, int, float*, int, bool)"/> received them.</summary>
internal unsafe struct GemmProblem
{
    public bool TransposeA, TransposeB, Accumulate;
    public int M, N, K;
    public float* A, B, C;
    public nint Lda, Ldb, Ldc;
}

/// <summary>
/// The blocking loops around a micro-kernel (the BLIS structure): C is cut into column blocks of Nc and row
/// blocks of Mc, k into blocks of about Kc; per k block a kc×nc block of B and an mc×kc block of A are packed
/// (or read in place when packing would not pay), and the micro-kernel sweeps the block tile by tile. Work is
/// shared between threads as disjoint rectangles of C, each thread packing into its own buffers; every C
/// element sums its k blocks in the same order however C is cut, so results do not depend on the thread count.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    internal static int KcMax = 256;
    internal static int McTiles = 16;
    internal static int NcTiles = 32;
    internal static int PackRowMajorAMinN = 256;
    internal static int PackTransposedAMinN = 64;
    internal static int PackBMinM = 64;
    internal static long ParallelMinFlops = 2_000_000;
    internal static bool RowsOuter;

    internal static void Run(in GemmProblem problem)
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        var plan = new Plan { P = problem };
        int kBlocks = (problem.K + KcMax - 1) / KcMax;
        plan.KcStep = (problem.K + kBlocks - 1) / kBlocks;
        plan.Mc = McTiles * mr;
        plan.Nc = NcTiles * nr;
        plan.PackA = problem.TransposeA ? problem.N >= PackTransposedAMinN : problem.N >= PackRowMajorAMinN;
        plan.PackB = problem.TransposeB || problem.M >= PackBMinM;
        int rowTiles = (problem.M + mr - 1) / mr, columnTiles = (problem.N + nr - 1) / nr;
        long flops = 2L * problem.M * problem.N * problem.K;
        int threads = flops < ParallelMinFlops ? 1 : Parallelism.Threads;
        ChooseGrid(ref plan, rowTiles, columnTiles, threads);
        int items = plan.RowParts * plan.ColumnParts;
        if (items == 1) plan.Execute(0);
        else WorkerPool.For(items, ref plan);
    }

    /// <summary>
    /// Cuts C into RowParts × ColumnParts rectangles for <paramref name="threads"/> threads, minimising a
    /// rough cycle estimate: the rounds of items each thread runs times one item's arithmetic and packing.
    /// Cutting rows repeats the packing of B in every part, cutting columns repeats A's.
    /// </summary>
    private static void ChooseGrid(ref Plan plan, int rowTiles, int columnTiles, int threads)
    {
        plan.RowTiles = rowTiles;
        plan.ColumnTiles = columnTiles;
        plan.RowParts = plan.ColumnParts = 1;
        if (threads <= 1) return;
        int mr = TKernel.Rows, nr = TKernel.Columns, k = plan.P.K;
        // Cycles per float: a transposing pack is about a cycle, a copying pack much less; reading in place is free.
        double aPackCost = !plan.PackA ? 0 : plan.P.TransposeA ? 0.25 : 1.0;
        double bPackCost = !plan.PackB ? 0 : plan.P.TransposeB ? 1.0 : 0.25;
        double best = double.MaxValue;
        int maxItems = 4 * threads;
        for (int r = 1; r <= Math.Min(rowTiles, maxItems); r++)
        {
            for (int c = 1; c <= Math.Min(columnTiles, maxItems / r); c++)
            {
                int items = r * c;
                int rounds = (items + threads - 1) / threads;
                long itemRows = (long)(rowTiles + r - 1) / r * mr, itemColumns = (long)(columnTiles + c - 1) / c * nr;
                double arithmetic = itemRows * itemColumns * k / 32.0; // about 32 multiply-adds a cycle at full speed
                double packing = itemRows * k * aPackCost + itemColumns * k * bPackCost;
                double cost = rounds * (arithmetic + packing + 3000);
                if (cost < best * 0.98)
                {
                    best = cost;
                    plan.RowParts = r;
                    plan.ColumnParts = c;
                }
            }
        }
    }

    private struct Plan : IParallelBody
    {
        public GemmProblem P;
        public int KcStep, Mc, Nc;
        public bool PackA, PackB;
        public int RowTiles, ColumnTiles, RowParts, ColumnParts;

        public readonly void Execute(int item)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            int ri = item / ColumnParts, ci = item % ColumnParts;
            int row0 = (int)((long)RowTiles * ri / RowParts) * mr;
            int row1 = Math.Min(P.M, (int)((long)RowTiles * (ri + 1) / RowParts) * mr);
            int column0 = (int)((long)ColumnTiles * ci / ColumnParts) * nr;
            int column1 = Math.Min(P.N, (int)((long)ColumnTiles * (ci + 1) / ColumnParts) * nr);
            if (row0 < row1 && column0 < column1) RunBlock(row0, row1, column0, column1);
        }

        /// <summary>Computes rows [row0, row1) × columns [column0, column1) of C on this thread.</summary>
        private readonly void RunBlock(int row0, int row1, int column0, int column1)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            var buffers = GemmBuffers.Current;
            float* aPanel = PackA ? buffers.Get(GemmBuffers.A, (long)Mc * KcStep) : null;
            float* bPanel = PackB ? buffers.Get(GemmBuffers.B, (long)Nc * KcStep) : null;
            float* aEdge = buffers.Get(GemmBuffers.AEdge, (long)mr * KcStep);
            float* bEdge = buffers.Get(GemmBuffers.BEdge, (long)nr * KcStep);
            float* a = P.A, b = P.B, c = P.C;
            nint lda = P.Lda, ldb = P.Ldb, ldc = P.Ldc;
            for (int jc = column0; jc < column1; jc += Nc)
            {
                int nc = Math.Min(Nc, column1 - jc);
                for (int pc = 0; pc < P.K; pc += KcStep)
                {
                    int kc = Math.Min(KcStep, P.K - pc);
                    bool add = P.Accumulate || pc > 0;
                    if (PackB) GemmPacking.PackB(P.TransposeB, b, ldb, jc, nc, pc, kc, bPanel, nr);
                    else if (nc % nr != 0) GemmPacking.PackB(false, b, ldb, jc + nc - nc % nr, nc % nr, pc, kc, bEdge, nr);
                    for (int ic = row0; ic < row1; ic += Mc)
                    {
                        int mc = Math.Min(Mc, row1 - ic);
                        if (PackA) GemmPacking.PackA(P.TransposeA, a, lda, ic, mc, pc, kc, aPanel, mr);
                        else if (mc % mr != 0) GemmPacking.PackA(P.TransposeA, a, lda, ic + mc - mc % mr, mc % mr, pc, kc, aEdge, mr);
                        if (RowsOuter)
                        {
                            for (int ir = 0; ir < mc; ir += mr)
                                for (int jr = 0; jr < nc; jr += nr)
                                    Tile(ic, ir, mc, jc, jr, nc, pc, kc, add, aPanel, aEdge, bPanel, bEdge);
                        }
                        else
                        {
                            for (int jr = 0; jr < nc; jr += nr)
                                for (int ir = 0; ir < mc; ir += mr)
                                    Tile(ic, ir, mc, jc, jr, nc, pc, kc, add, aPanel, aEdge, bPanel, bEdge);
                        }
                    }
                }
            }
        }

        /// <summary>One micro-kernel call: finds where this tile's A and B panels live (packed, edge, in place).</summary>
        private readonly void Tile(int ic, int ir, int mc, int jc, int jr, int nc, int pc, int kc, bool add,
            float* aPanel, float* aEdge, float* bPanel, float* bEdge)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            int rows = Math.Min(mr, mc - ir), columns = Math.Min(nr, nc - jr);
            float* bp;
            nint bStep;
            if (PackB) { bp = bPanel + (long)(jr / nr) * kc * nr; bStep = nr; }
            else if (columns < nr) { bp = bEdge; bStep = nr; }
            else { bp = P.B + pc * P.Ldb + jc + jr; bStep = P.Ldb; }
            float* cp = P.C + (ic + ir) * P.Ldc + jc + jr;
            if (PackA) TKernel.Run(kc, aPanel + (long)(ir / mr) * kc * mr, mr, bp, bStep, cp, P.Ldc, rows, columns, add);
            else if (rows < mr) TKernel.Run(kc, aEdge, mr, bp, bStep, cp, P.Ldc, rows, columns, add);
            else if (P.TransposeA) TKernel.Run(kc, P.A + pc * P.Lda + ic + ir, P.Lda, bp, bStep, cp, P.Ldc, rows, columns, add);
            else TKernel.RunRowMajorA(kc, P.A + (ic + ir) * P.Lda + pc, P.Lda, bp, bStep, cp, P.Ldc, columns, add);
        }
    }
}

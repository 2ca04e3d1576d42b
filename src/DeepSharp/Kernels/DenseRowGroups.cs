namespace DeepSharp.Kernels;

/// <summary>
/// A Dense layer's backward over many rows (a transformer's tokens: batch × sequence) cut into a few groups of rows
/// fixed by the shape, each group done whole where it runs: its rows of dz = dy·activation'(z) with their partial bias
/// sums (<see cref="DenseBiasActivation.BackwardChunks"/>), its rows of dx = dz·Wᵀ, and its share of the kernel
/// gradient, xᵀ·dz over its rows, into a partial of its own. The partials are added in group order after.
/// <para>
/// Whole products on two cores (<see cref="GemmGroup"/>) leave one core waiting when the kernel gradient (k = all the
/// rows) is the slower of the two, and each core reads the half of dz and x that the cores' previous op left in the
/// other's cache. Cut by rows, the groups are equal work and a thread's groups are the rows it wrote before (the worker
/// pool gives each thread one block of items), and dz is still in cache when the products read it.
/// </para>
/// <para>
/// dz, dx and db have the bits of <see cref="DenseBiasActivation.Backward"/> and the whole products (a band of C's
/// rows sums the same k blocks in the same order; the bias chunks are the same). The kernel gradient is a sum of
/// per-group products, a different order from one product over all the rows: other bits than the whole product,
/// the same at any thread count (the groups depend on the rows alone).
/// </para>
/// </summary>
internal static unsafe class DenseRowGroups
{
    private const int GroupRows = 512; // a group's dz, x and dx rows (k, n ≤ 192: under 1 MB) stay in L2
    private const int MaxGroups = 4;
    private const int PrefetchMaxFloats = 1 << 16; // 256 KB of a group's x: a quarter of L2

    /// <summary>
    /// Whether a Dense backward over at least 2 × 512 rows is cut into groups of rows (the default); false keeps the
    /// gradient pass and then the two whole products, for A/B comparisons (other bits for the kernel gradient). Starts
    /// false when the environment variable <c>DEEPSHARP_DENSE_BACKWARD</c> is <c>products</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE_BACKWARD"), "products", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the kernel is cut into the transposed panels of the input gradient's products once for all groups
    /// (<see cref="Gemm.PackTransposedB(int, int, float*, int, float*)"/>, the default); false lets each group's product
    /// transpose it again, for A/B comparisons. The same bits either way. Starts false when the environment variable
    /// <c>DEEPSHARP_DENSE_PACKING</c> is <c>group</c>.
    /// </summary>
    internal static bool PackKernelOnce { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE_PACKING"), "group", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether each group's input rows (x, which the kernel gradient reads) are prefetched into L2 while the group's input
    /// gradient product computes (the default); false leaves them to be fetched when the kernel gradient reads them, for
    /// A/B comparisons. The same bits either way. Starts false when the environment variable <c>DEEPSHARP_DENSE_PREFETCH</c>
    /// is <c>off</c>.
    /// </summary>
    internal static bool PrefetchInput { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE_PREFETCH"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether, with more than one thread, each thread cuts the kernel into the input gradient's transposed panels itself,
    /// into its own buffer, at its first group (the default); false has the calling thread cut them once before the groups
    /// while the other threads wait, and the other threads read them from its cache, for A/B comparisons. The same panels,
    /// so the same bits, either way. Starts false when the environment variable <c>DEEPSHARP_DENSE_PANELS</c> is <c>shared</c>.
    /// </summary>
    internal static bool PanelsPerThread { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE_PANELS"), "shared", StringComparison.OrdinalIgnoreCase);

    private static long _backwards; // numbers each backward, so that a thread never reuses panels cut for an earlier one

    [ThreadStatic] private static long t_panelsOf;

    /// <summary>The groups of <paramref name="rows"/> rows (1: not cut; then the whole products serve).</summary>
    internal static int Groups(int rows) => Math.Clamp(rows / GroupRows, 1, Math.Min(MaxGroups, DenseBiasActivation.Chunks(rows)));

    /// <summary>
    /// Floats of scratch <see cref="Backward"/> needs: the kernel gradient's partials of groups after the first, then the
    /// kernel's transposed panels.
    /// </summary>
    internal static long Scratch(int rows, int k, int n) => PanelsAt(rows, k, n) + Gemm.PackedBSize(n, k);

    /// <summary>Where the panels start in the scratch: after the partials, on a 64-byte boundary when the scratch starts on one.</summary>
    private static long PanelsAt(int rows, int k, int n) => ((long)(Groups(rows) - 1) * k * n + 15) & ~15L;

    /// <summary>The operands of one backward; any of <see cref="Dx"/>, <see cref="Dw"/>, <see cref="Db"/> may be null (not wanted).</summary>
    internal struct Operands
    {
        /// <summary>x (rows × k), the kernel W (k × n), z (rows × n; null when linear), dy (rows × n).</summary>
        public float* X, Kernel, Z, Dy;

        /// <summary>Where dz goes (rows × n; dy itself when linear), dx (rows × k), dW (k × n), db (n).</summary>
        public float* Dz, Dx, Dw, Db;

        /// <summary>Scratch: <see cref="DenseBiasActivation.Partials"/> and <see cref="Scratch"/> floats.</summary>
        public float* BiasPartials, KernelScratch;

        public int Rows, K, N;
        public DenseActivation Activation;
    }

    /// <summary>dz, dx, dW and db as the class describes, for rows with <see cref="Groups"/> &gt; 1.</summary>
    internal static void Backward(in Operands operands)
    {
        var body = new Body { O = operands, Groups = Groups(operands.Rows) };
        if (operands.Dx != null && PackKernelOnce && PanelsPerThread && Parallelism.Threads > 1 && !WorkerPool.InsideJob)
            body.PanelsOf = Interlocked.Increment(ref _backwards);
        else if (operands.Dx != null && PackKernelOnce)
        {
            // Every group's dz·Wᵀ reads the same Wᵀ: transposed into panels here once rather than by each group's product.
            body.PackedKernelT = operands.KernelScratch + PanelsAt(operands.Rows, operands.K, operands.N);
            Gemm.PackTransposedB(operands.N, operands.K, operands.Kernel, operands.N, body.PackedKernelT);
        }
        if (Parallelism.Threads == 1) for (int g = 0; g < body.Groups; g++) body.Execute(g);
        else WorkerPool.For(body.Groups, ref body);
        var o = operands;
        if (o.Db != null) DenseBiasActivation.SumPartials(o.BiasPartials, o.Db, o.Rows, o.N);
        if (o.Dw == null) return;
        var sums = new PartialSums { Dw = o.Dw, Partials = o.KernelScratch, Length = o.K * o.N, Groups = body.Groups };
        // Half the partials lie in the other core's cache: each thread adds a part of dW (the same order per element).
        sums.Parts = Parallelism.Threads > 1 && ParallelSums && sums.Length >= ParallelSumMinFloats ? Parallelism.Threads : 1;
        if (sums.Parts == 1) sums.Execute(0);
        else WorkerPool.For(sums.Parts, ref sums);
    }

    private const int ParallelSumMinFloats = 4096;

    /// <summary>
    /// Whether the kernel gradient's partials are added on every thread, each a part of dW (the default); false adds them
    /// on the calling thread, for A/B comparisons. The same bits either way. Starts false when the environment variable
    /// <c>DEEPSHARP_DENSE_SUMS</c> is <c>serial</c>.
    /// </summary>
    internal static bool ParallelSums { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE_SUMS"), "serial", StringComparison.OrdinalIgnoreCase);

    /// <summary>dW += the partials of groups 1, 2, … in group order, part by part.</summary>
    private struct PartialSums : IParallelBody
    {
        public float* Dw, Partials;
        public int Length, Groups, Parts;

        public readonly void Execute(int part)
        {
            // Parts of whole cache lines (16 floats), so that two threads never write one line.
            int lines = (Length + 15) / 16;
            int start = Math.Min(Length, (int)((long)lines * part / Parts) * 16), end = Math.Min(Length, (int)((long)lines * (part + 1) / Parts) * 16);
            var dw = new Span<float>(Dw + start, end - start);
            for (int g = 1; g < Groups; g++)
                System.Numerics.Tensors.TensorPrimitives.Add(dw, new ReadOnlySpan<float>(Partials + (long)(g - 1) * Length + start, end - start), dw);
        }
    }

    private struct Body : IParallelBody
    {
        public Operands O;
        public int Groups;
        public float* PackedKernelT;
        public long PanelsOf; // when not 0: this backward's number, and each thread cuts its own panels (see PanelsPerThread)

        /// <summary>This thread's transposed panels of the kernel for backward <see cref="PanelsOf"/>, cut at its first group.</summary>
        private readonly float* ThreadPanels()
        {
            // Cut on the thread that reads them: the calling thread no longer cuts them while the others wait, and no thread
            // reads them from another core's cache. Twice the cutting (a few µs at the vit's shapes), side by side.
            float* panels = GemmBuffers.Current.Get(GemmBuffers.KernelPanels, Gemm.PackedBSize(O.N, O.K));
            if (t_panelsOf != PanelsOf)
            {
                Gemm.PackTransposedB(O.N, O.K, O.Kernel, O.N, panels);
                t_panelsOf = PanelsOf;
            }
            return panels;
        }

        public readonly void Execute(int group)
        {
            // A group is a run of the bias pass's chunks, so its rows end where theirs do.
            int chunks = DenseBiasActivation.Chunks(O.Rows);
            int chunk0 = (int)((long)chunks * group / Groups), chunk1 = (int)((long)chunks * (group + 1) / Groups);
            int row0 = DenseBiasActivation.ChunkStart(O.Rows, chunk0), rows = DenseBiasActivation.ChunkStart(O.Rows, chunk1) - row0;
            int k = O.K, n = O.N;
            DenseBiasActivation.BackwardChunks(O.Z, O.Dy, O.Dz, O.Db == null ? null : O.BiasPartials, O.Rows, n, O.Activation, chunk0, chunk1);
            float* dz = O.Dz + (long)row0 * n;
            // x was saved by the forward long before and has left the caches: the kernel gradient that reads it next
            // waited on memory (a third slower than on x in cache). Its rows come in while dz·Wᵀ computes, when L2 keeps
            // them beside that product's operands (a larger x, the charlm head's 1.6 MB a group, would push those out).
            float* x = O.X + (long)row0 * k;
            bool prefetch = PrefetchInput && O.Dw != null && (long)rows * k <= PrefetchMaxFloats;
            if (O.Dx != null)
                Gemm.Multiply(false, true, rows, k, n, dz, n, O.Kernel, n, O.Dx + (long)row0 * k, k, packedB: PanelsOf != 0 ? ThreadPanels() : PackedKernelT,
                    prefetch: prefetch ? x : null, prefetchFloats: (long)rows * k);
            if (O.Dw == null) return;
            float* partial = group == 0 ? O.Dw : O.KernelScratch + (long)(group - 1) * k * n;
            Gemm.Multiply(true, false, k, n, rows, x, k, dz, n, partial, n);
        }
    }
}

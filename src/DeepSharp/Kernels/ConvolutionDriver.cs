namespace DeepSharp.Kernels;

/// <summary>
/// The loops that lower a convolution onto a GEMM micro-kernel, one cache-sized tile of the patch matrix at a
/// time (see <see cref="ConvolutionGeometry"/>):
/// <list type="bullet">
/// <item>Forward: a block of output pixels gathers its patches (<see cref="Im2Col.Gather"/>) into a buffer that
/// stays in L2, the micro-kernel reads it in place, row-major, against the kernel packed once into panels, and
/// bias and activation (and a dropout mask) are applied while the block's outputs are still in L1.</item>
/// <item>Backward, per range of images (blocks of rows run across the range's images): the output gradient is taken back through the fused activation (and summed for the bias)
/// into a padded tile; the kernel gradient adds patchesᵀ·gradient (the patches read in place as a transposed
/// A); the input gradient is gradient·kernelᵀ, scattered back onto each image (<see cref="Im2Col.ScatterAdd"/>).</item>
/// </list>
/// Threads take blocks of output pixels forward and whole images backward (the scatter of one image must not
/// race with itself); each backward range of images sums its kernel and bias gradients into its own partial buffer,
/// and the partials are added in range order. With <see cref="Convolution.SplitBackward"/> the input gradient is not
/// computed by those ranges but by items of a few images each that follow them in the job, so that a pass ends on
/// short items whichever thread is late (an image's input gradient is made whole by one item, so its bits are those of
/// any cut). The items are cut from the batch whatever the thread count, so
/// results do not depend on how many threads ran them, nor on which thread ran what.
/// </summary>
internal static unsafe class ConvolutionDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    private const int KcMax = 320;                 // k block: A and B panels of the micro-kernel stay in L1
    private const int PatchBlockFloats = 24 * 1024; // a block of patches (96 KB) stays in L2 beside the packed kernel
    // Backward blocks are the kernel gradient's k: deeper ones re-read and re-write its partial sums less often (a 5×5×64
    // patch takes 36 rows, where 96 KB gave 12 and a short last block per image).
    private const int BackwardBlockFloats = 64 * 1024;
    private const int MaxBlockRows = 384;
    private const int BackwardMaxBlockRows = 192;  // the backward k-loop runs over block rows: keep its panels in L1
    private const long ParallelMinMultiplyAdds = 1_000_000;
    private const int PartialFloatsLimit = 8 << 20; // partial kernel gradients of all items: at most 32 MB
    private const int BackwardItems = 8;            // image ranges of a backward pass: 4 per thread on two cores
    private const long InputItemMultiplyAdds = 24_000_000; // an input-gradient item: ~0.15 ms on one core, the grain a pass ends on
    private const int ParallelPackMinFloats = 32 * 1024; // smaller kernels pack in less time than a job's hand-over costs
    private const int PackChunks = 8;

    // ---- forward --------------------------------------------------------------------------------------

    internal static void Forward(in ConvolutionGeometry g, float* x, float* kernel, float* bias, FusedActivation activation, float* y)
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        int patch = g.Patch, panels = (g.Filters + nr - 1) / nr;
        var body = new ForwardBody
        {
            G = g, X = x, Bias = bias, Y = y, Activation = activation,
            Packed = ConvolutionBuffers.Current.Get(ConvolutionBuffers.PackedKernel, (long)panels * patch * nr),
            BlockRows = BlockRows(patch, MaxBlockRows, mr, PatchBlockFloats),
            KcStep = KStep(patch),
        };
        bool parallel = g.MultiplyAdds >= ParallelMinMultiplyAdds && Parallelism.Threads > 1;
        var pack = new PackBody { Source = kernel, K = patch, N = g.Filters, Destination = body.Packed };
        Pack(ref pack, parallel);
        body.Blocks = (g.Rows + body.BlockRows - 1) / body.BlockRows;
        if (!parallel)
            for (int b = 0; b < body.Blocks; b++) body.Execute(b);
        else WorkerPool.For(body.Blocks, ref body);
    }

    /// <summary>Packs a kernel in chunks on all threads when <paramref name="parallel"/> and it is large enough, else on this one.</summary>
    private static void Pack(ref PackBody pack, bool parallel)
    {
        pack.Chunks = parallel && Convolution.ParallelPacking && (long)pack.K * pack.N >= ParallelPackMinFloats ? PackChunks : 1;
        if (pack.Chunks == 1) pack.Execute(0);
        else WorkerPool.For(pack.Chunks, ref pack);
    }

    /// <summary>
    /// The k×n row-major kernel as panels of nr columns (<see cref="PackPanels"/>), a range of its k rows per chunk; or,
    /// <see cref="Transposed"/>, its transpose as panels of nr of its k columns, each <see cref="PaddedN"/> deep, a range of
    /// panels per chunk. A copy: the chunks give the values of one pass.
    /// </summary>
    private struct PackBody : IParallelBody
    {
        public float* Source, Destination;
        public int K, N, PaddedN, Chunks;
        public bool Transposed;

        public readonly void Execute(int chunk)
        {
            int nr = TKernel.Columns;
            if (!Transposed)
            {
                PackPanels(Source, K, N, Destination, nr, K * chunk / Chunks, K * (chunk + 1) / Chunks);
                return;
            }
            int panels = (K + nr - 1) / nr, j0 = panels * chunk / Chunks * nr, j1 = Math.Min(K, panels * (chunk + 1) / Chunks * nr);
            if (j1 <= j0) return;
            // With whole panels of filters that is exactly the GEMM's packing of a transposed B, 8×8 blocks at a time.
            if (N == PaddedN) GemmPacking<TKernel>.PackB(true, Source, N, j0, j1 - j0, 0, N, Destination + (long)j0 * N);
            else PackTransposedPanels(Source, K, N, PaddedN, Destination, nr, j0, j1);
        }
    }

    private struct ForwardBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, Packed, Bias, Y;
        public FusedActivation Activation;
        public int BlockRows, Blocks, KcStep;

        public readonly void Execute(int block)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            int patch = G.Patch, filters = G.Filters;
            int row0 = block * BlockRows, rows = Math.Min(BlockRows, G.Rows - row0);
            int fullRows = rows - rows % mr;
            int tileRows = fullRows == rows ? rows : fullRows + mr;
            var buffers = ConvolutionBuffers.Current;
            float* patches = buffers.Get(ConvolutionBuffers.Patches, (long)tileRows * patch);
            Im2Col.Gather(G, X, row0, rows, patches, patch);
            int paddedFilters = (filters + nr - 1) / nr * nr;
            float* edge = null;
            if (tileRows > rows)
            {
                // The last tile has fewer than mr rows: it reads zero rows below them and writes to a scratch tile.
                Im2Col.Clear(patches + (long)rows * patch, (tileRows - rows) * patch);
                edge = buffers.Get(ConvolutionBuffers.EdgeTile, (long)mr * paddedFilters);
            }
            float* y = Y + (long)row0 * filters;
            for (int pc = 0; pc < patch; pc += KcStep)
            {
                int kc = Math.Min(KcStep, patch - pc);
                bool add = pc > 0;
                for (int ir = 0; ir < fullRows; ir += mr)
                    for (int jr = 0; jr < filters; jr += nr)
                        TKernel.RunRowMajorA(kc, patches + (long)ir * patch + pc, patch, Packed + (long)jr * patch + pc * nr, nr,
                            y + (long)ir * filters + jr, filters, mr, Math.Min(nr, filters - jr), add);
                if (edge != null)
                    for (int jr = 0; jr < filters; jr += nr)
                        TKernel.RunRowMajorA(kc, patches + (long)fullRows * patch + pc, patch, Packed + (long)jr * patch + pc * nr, nr,
                            edge + jr, paddedFilters, mr, nr, add);
            }
            if (edge != null)
                for (int r = 0; r < rows - fullRows; r++)
                    Im2Col.Copy(edge + r * paddedFilters, y + (long)(fullRows + r) * filters, filters);
            ConvolutionPasses.Output(y, rows, filters, Bias, Activation.At((long)row0 * filters));
        }
    }

    // ---- backward -------------------------------------------------------------------------------------

    internal static void Backward(in ConvolutionGeometry g, float* x, float* kernel, float* outputGradient, float* output,
        FusedActivation activation, float* inputGradient, float* kernelGradient, float* biasGradient)
    {
        int nr = TKernel.Columns, mr = TKernel.Rows;
        int patch = g.Patch, filters = g.Filters, paddedFilters = (filters + nr - 1) / nr * nr;
        if (g.Batch == 0) return;
        var buffers = ConvolutionBuffers.Current;
        var body = new BackwardBody
        {
            G = g, X = x, OutputGradient = outputGradient, Output = output, Activation = activation,
            InputGradient = inputGradient, WantKernel = kernelGradient != null, WantBias = biasGradient != null,
            PaddedFilters = paddedFilters,
            BlockRows = BlockRows(Math.Max(patch, paddedFilters), BackwardMaxBlockRows, mr, BackwardBlockFloats),
            KcStep = KStep(paddedFilters),
        };
        // The items (and so the order in which their partial sums meet) depend on the problem only, never on the
        // thread count: one thread runs the same items one after the other, with the same bits as any other count.
        int items = g.MultiplyAdds >= ParallelMinMultiplyAdds / 3 ? Math.Min(g.Batch, BackwardItems) : 1;
        body.PartialStride = (body.WantKernel ? (long)patch * paddedFilters : 0) + (body.WantBias ? paddedFilters : 0);
        while (items > 2 && items * body.PartialStride > PartialFloatsLimit) items--;
        body.Items = items;
        if (body.PartialStride > 0) body.Partials = buffers.Get(ConvolutionBuffers.Partials, items * body.PartialStride);
        // The input gradient in items of a few images of its own (each image's is complete in one item, so the cut does
        // not change its bits), after the ranges that sum the kernel gradient: the last items of a pass are short ones.
        bool split = items > 1 && inputGradient != null && Convolution.SplitBackward;
        body.KernelItems = !split ? items : body.PartialStride > 0 ? items : 0;
        body.InputItems = split ? InputItems(g) : 0;
        if (inputGradient != null)
        {
            // kernelᵀ as panels of nr patch columns, each paddedFilters deep (zero padded).
            int panels = (patch + nr - 1) / nr;
            body.PackedTransposed = buffers.Get(ConvolutionBuffers.PackedKernel, (long)panels * paddedFilters * nr);
            var pack = new PackBody { Source = kernel, K = patch, N = filters, PaddedN = paddedFilters, Destination = body.PackedTransposed, Transposed = true };
            Pack(ref pack, items > 1);
        }
        int jobItems = body.KernelItems + body.InputItems;
        if (jobItems == 1) body.Execute(0);
        else WorkerPool.For(jobItems, ref body);

        // Sum the items' partial gradients in item order; the kernel's rows are shared out (each element still adds
        // its items in the same order, so the split does not change the bits).
        if (kernelGradient != null)
        {
            var sum = new PartialSum
            {
                Partials = body.Partials, PartialStride = body.PartialStride, Items = items, Rows = patch, Filters = filters,
                PaddedFilters = paddedFilters, Target = kernelGradient,
            };
            sum.Chunks = items == 1 || (long)items * patch * filters < ParallelMinMultiplyAdds ? 1 : Math.Min(patch, 4 * Parallelism.Threads);
            if (sum.Chunks == 1) sum.Execute(0);
            else WorkerPool.For(sum.Chunks, ref sum);
        }
        if (biasGradient != null)
        {
            long at = body.WantKernel ? (long)patch * paddedFilters : 0;
            Im2Col.Copy(body.Partials + at, biasGradient, filters);
            for (int i = 1; i < items; i++) Im2Col.AddTo(body.Partials + i * body.PartialStride + at, biasGradient, filters);
        }
    }

    private struct BackwardBody : IParallelBody
    {
        public ConvolutionGeometry G;
        public float* X, OutputGradient, Output, InputGradient, PackedTransposed, Partials;
        public FusedActivation Activation;
        public bool WantKernel, WantBias;
        public int PaddedFilters, BlockRows, KcStep, Items, KernelItems, InputItems;
        public long PartialStride;

        /// <summary>Items [0, <see cref="KernelItems"/>) are the kernel gradient's ranges of images, the rest input-gradient items.</summary>
        public readonly void Execute(int item)
        {
            if (item >= KernelItems)
            {
                InputItem(item - KernelItems);
                return;
            }
            bool input = InputGradient != null && InputItems == 0;
            int n0 = (int)((long)G.Batch * item / Items), n1 = (int)((long)G.Batch * (item + 1) / Items);
            float* partialKernel = Partials + item * PartialStride;
            float* partialBias = WantKernel ? partialKernel + (long)G.Patch * PaddedFilters : partialKernel;
            if (PartialStride > 0) Im2Col.Clear(partialKernel, (int)PartialStride);
            if (input)
                for (int n = n0; n < n1; n++) Im2Col.Clear(InputGradient + (long)n * G.ImageSize, G.ImageSize);
            // Blocks run across the item's images (an image's pixels rarely fill whole tiles of rows), cut evenly so
            // that the last block is not a short one: fewer padded rows, and a deep k for the kernel gradient.
            long first = (long)n0 * G.OutputPixels, end = (long)n1 * G.OutputPixels;
            int mr = TKernel.Rows;
            long blocks = (end - first + BlockRows - 1) / BlockRows;
            int rows = (int)((end - first + blocks - 1) / blocks + mr - 1) / mr * mr;
            for (long r0 = first; r0 < end; r0 += rows)
                Block(r0, (int)Math.Min(rows, end - r0), partialKernel, partialBias, input);
        }

        /// <summary>The input gradient of input item <paramref name="item"/>'s images, in blocks of whole 4-row tiles but the last.</summary>
        private readonly void InputItem(int item)
        {
            int n0 = (int)((long)G.Batch * item / InputItems), n1 = (int)((long)G.Batch * (item + 1) / InputItems);
            for (int n = n0; n < n1; n++) Im2Col.Clear(InputGradient + (long)n * G.ImageSize, G.ImageSize);
            long first = (long)n0 * G.OutputPixels, end = (long)n1 * G.OutputPixels;
            long blocks = (end - first + BlockRows - 1) / BlockRows;
            int rows = (int)((end - first + blocks - 1) / blocks + 3) / 4 * 4;
            for (long r0 = first; r0 < end; r0 += rows)
                Block(r0, (int)Math.Min(rows, end - r0), null, null, input: true);
        }

        /// <summary>
        /// Rows [<paramref name="first"/>, +<paramref name="rows"/>): the kernel (and bias) gradient's share when
        /// <paramref name="partialKernel"/> is given, the input gradient's when <paramref name="input"/>.
        /// </summary>
        private readonly void Block(long first, int rows, float* partialKernel, float* partialBias, bool input)
        {
            int mr = TKernel.Rows, nr = TKernel.Columns;
            int patch = G.Patch, filters = G.Filters, paddedFilters = PaddedFilters;
            // Whole tiles of mr rows, the last one the shortest tile the micro-kernel reads in place that holds the rest.
            int tail = rows % mr, lastTile = tail == 0 ? 0 : tail;
            while (lastTile > 0 && lastTile < mr && !TKernel.ReadsRowMajor(lastTile)) lastTile++;
            int tileRows = rows - tail + lastTile;
            bool kernel = partialKernel != null;
            var buffers = ConvolutionBuffers.Current;

            // The output gradient of these rows, through the activation's derivative, padded to whole panels.
            float* dy = buffers.Get(ConvolutionBuffers.OutputGradient, (long)tileRows * paddedFilters);
            ConvolutionPasses.Gradient(OutputGradient + first * filters, Output == null ? null : Output + first * filters, Activation.At(first * filters),
                rows, filters, dy, paddedFilters, kernel && WantBias ? partialBias : null);
            if (tileRows > rows) Im2Col.Clear(dy + (long)rows * paddedFilters, (tileRows - rows) * paddedFilters);

            if (kernel && WantKernel)
            {
                // partial += patchesᵀ · dy: the patch matrix read in place as a transposed A (k runs over the rows).
                float* patches = buffers.Get(ConvolutionBuffers.Patches, (long)rows * patch);
                Im2Col.Gather(G, X, (int)first, rows, patches, patch);
                for (int i = 0; i < patch; i += mr)
                    for (int jr = 0; jr < paddedFilters; jr += nr)
                        TKernel.Run(rows, patches + i, patch, dy + jr, paddedFilters,
                            partialKernel + (long)i * paddedFilters + jr, paddedFilters, Math.Min(mr, patch - i), nr, add: true);
            }

            if (input)
            {
                // dpatches = dy · kernelᵀ (each panel of kernelᵀ kept in L1 across the block's row tiles), then each
                // value goes back to the pixel it came from, image by image.
                float* dpatches = buffers.Get(ConvolutionBuffers.PatchGradient, (long)tileRows * patch);
                for (int pc = 0; pc < paddedFilters; pc += KcStep)
                {
                    int kc = Math.Min(KcStep, paddedFilters - pc);
                    for (int jr = 0; jr < patch; jr += nr)
                        for (int ir = 0; ir < tileRows; ir += mr)
                            TKernel.RunRowMajorA(kc, dy + (long)ir * paddedFilters + pc, paddedFilters,
                                PackedTransposed + (long)jr * paddedFilters + pc * nr, nr,
                                dpatches + (long)ir * patch + jr, patch, Math.Min(mr, tileRows - ir), Math.Min(nr, patch - jr), pc > 0);
                }
                int pixels = G.OutputPixels;
                for (int done = 0; done < rows;)
                {
                    long row = first + done;
                    int n = (int)(row / pixels), p = (int)(row - (long)n * pixels), count = Math.Min(rows - done, pixels - p);
                    Im2Col.ScatterAdd(G, dpatches + (long)done * patch, patch, p, count, InputGradient + (long)n * G.ImageSize);
                    done += count;
                }
            }
        }
    }

    /// <summary>The kernel gradient: rows of the items' partial gradients added in item order, a range of rows per chunk.</summary>
    private struct PartialSum : IParallelBody
    {
        public float* Partials, Target;
        public long PartialStride;
        public int Items, Rows, Filters, PaddedFilters, Chunks;

        public readonly void Execute(int chunk)
        {
            int k0 = (int)((long)Rows * chunk / Chunks), k1 = (int)((long)Rows * (chunk + 1) / Chunks);
            for (int k = k0; k < k1; k++)
            {
                float* target = Target + (long)k * Filters;
                Im2Col.Copy(Partials + (long)k * PaddedFilters, target, Filters);
                for (int i = 1; i < Items; i++)
                    Im2Col.AddTo(Partials + i * PartialStride + (long)k * PaddedFilters, target, Filters);
            }
        }
    }

    // ---- shared pieces --------------------------------------------------------------------------------

    /// <summary>
    /// Input-gradient items of a backward pass: whole images, about <see cref="InputItemMultiplyAdds"/> each, and never fewer
    /// than the image ranges a pass had before (<see cref="BackwardItems"/>, or the batch if smaller).
    /// </summary>
    private static int InputItems(in ConvolutionGeometry g)
    {
        long perImage = Math.Max(1, (long)g.OutputPixels * g.Patch * g.Filters);
        int images = (int)Math.Clamp(InputItemMultiplyAdds / perImage, 1, g.Batch);
        return Math.Max((g.Batch + images - 1) / images, Math.Min(g.Batch, BackwardItems));
    }

    /// <summary>Rows per block: a multiple of the micro-kernel's rows whose rows fill about <paramref name="budget"/> floats.</summary>
    private static int BlockRows(int rowLength, int maxRows, int mr, int budget)
    {
        int rows = budget / Math.Max(1, rowLength);
        rows = Math.Clamp(rows, mr, maxRows);
        return rows / mr * mr;
    }

    /// <summary>Equal k blocks of at most <see cref="KcMax"/>: no short last block.</summary>
    private static int KStep(int k)
    {
        int blocks = (k + KcMax - 1) / KcMax;
        return Math.Max(1, (k + blocks - 1) / blocks);
    }

    /// <summary>
    /// Rows [<paramref name="p0"/>, <paramref name="p1"/>) of the k×n row-major matrix <paramref name="source"/> into its
    /// panels of <paramref name="nr"/> columns, one after the other (k·nr floats each), columns past n zero.
    /// </summary>
    private static void PackPanels(float* source, int k, int n, float* destination, int nr, int p0, int p1)
    {
        for (int j = 0; j < n; j += nr)
        {
            int width = Math.Min(nr, n - j);
            float* panel = destination + (long)j * k;
            for (int p = p0; p < p1; p++)
            {
                Im2Col.Copy(source + (long)p * n + j, panel + (long)p * nr, width);
                if (width < nr) Im2Col.Clear(panel + (long)p * nr + width, nr - width);
            }
        }
    }

    /// <summary>
    /// The transpose of the k×n row-major <paramref name="source"/> (an n×k matrix, padded to
    /// <paramref name="paddedN"/> rows) as panels of <paramref name="nr"/> of its columns: the panels of columns
    /// [<paramref name="j0"/>, <paramref name="j1"/>), j0 a multiple of nr.
    /// </summary>
    private static void PackTransposedPanels(float* source, int k, int n, int paddedN, float* destination, int nr, int j0, int j1)
    {
        for (int j = j0; j < j1; j += nr)
        {
            float* panel = destination + (long)j * paddedN;
            int width = Math.Min(nr, k - j);
            for (int f = 0; f < paddedN; f++)
            {
                float* row = panel + (long)f * nr;
                int t = 0;
                if (f < n)
                    for (; t < width; t++) row[t] = source[(long)(j + t) * n + f];
                for (; t < nr; t++) row[t] = 0f;
            }
        }
    }
}

using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Layer normalization of rows of <c>n</c> contiguous values (the normalized axes of one sample position), fused:
/// forward reads a row once for its mean, once for its centered variance and writes y = x̂·γ + β, keeping the mean
/// and 1/√(σ² + ε) per row; backward recomputes x̂ from them and writes dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/σ with
/// dx̂ = dy·γ, in one sweep of a row that is in L1 throughout. γ and β gradients are summed per chunk of rows into
/// partials added in chunk order; the chunks depend on the shape alone, so the sums have the same bits at any
/// thread count. A residual add before the normalization can run in the same pass (<see cref="AddForward"/>).
/// </summary>
internal static unsafe class LayerNormKernel
{
    private const long ParallelMinElements = 1 << 14;
    private const int MaxChunks = 32;
    private const int MinChunkRows = 8;

    /// <summary>Chunks of rows a gradient pass sums separately (fixed by the shape): the rows of <see cref="GradientPartials"/>.</summary>
    internal static int Chunks(int rows) => Math.Max(1, Math.Min(MaxChunks, rows / MinChunkRows));

    /// <summary>Floats of scratch the backward pass needs for its γ and β partial sums.</summary>
    internal static long GradientPartials(int rows, int n) => 2L * Chunks(rows) * n;

    /// <summary>y = (x − μ)/√(σ² + ε)·γ + β per row; γ or β may be null (1 and 0); mean and invStd get one value per row.</summary>
    internal static void Forward(float* x, float* gamma, float* beta, float* y, float* mean, float* invStd, int rows, int n, float epsilon)
    {
        var body = new Body { Backward = false, X = x, Gamma = gamma, Beta = beta, Y = y, Mean = mean, InvStd = invStd, Rows = rows, N = n, Epsilon = epsilon };
        Run(ref body);
    }

    /// <summary>
    /// sum = a + b (a residual connection), then y = (sum − μ)/√(σ² + ε)·γ + β per row of the sum, a block of rows at a
    /// time while it is in L1: the sum is read back from there, not from memory. The same bits as an add, then
    /// <see cref="Forward"/> on the sum.
    /// </summary>
    internal static void AddForward(float* a, float* b, float* sum, float* gamma, float* beta, float* y, float* mean, float* invStd,
        int rows, int n, float epsilon)
    {
        var body = new Body
        {
            Backward = false, X = sum, Addend = a, Branch = b, Gamma = gamma, Beta = beta, Y = y, Mean = mean, InvStd = invStd,
            Rows = rows, N = n, Epsilon = epsilon,
        };
        Run(ref body);
    }

    /// <summary>
    /// dx (may be null; added to what <paramref name="dx"/> holds when <paramref name="addToDx"/>, as pending + dx) from
    /// dy and the saved statistics; with <paramref name="partials"/> (<see cref="GradientPartials"/> floats) also
    /// dγ = Σ dy·x̂ and dβ = Σ dy over the rows into <paramref name="dGamma"/> and <paramref name="dBeta"/> (either may be null).
    /// </summary>
    internal static void Backward(float* x, float* gamma, float* dy, float* mean, float* invStd, float* dx, bool addToDx,
        float* partials, float* dGamma, float* dBeta, int rows, int n)
    {
        var body = new Body
        {
            Backward = true, X = x, Gamma = gamma, Dy = dy, Mean = mean, InvStd = invStd, Dx = dx, AddToDx = addToDx, Partials = partials,
            Rows = rows, N = n, Sums = dGamma != null || dBeta != null,
        };
        Run(ref body);
        if (!body.Sums) return;
        int chunks = body.Chunks;
        var gamma0 = new Span<float>(partials, n);
        var beta0 = new Span<float>(partials + n, n);
        for (int c = 1; c < chunks; c++)
        {
            TensorPrimitives.Add(gamma0, new ReadOnlySpan<float>(partials + 2L * c * n, n), gamma0);
            TensorPrimitives.Add(beta0, new ReadOnlySpan<float>(partials + 2L * c * n + n, n), beta0);
        }
        if (dGamma != null) gamma0.CopyTo(new Span<float>(dGamma, n));
        if (dBeta != null) beta0.CopyTo(new Span<float>(dBeta, n));
    }

    /// <summary>Whether AVX-512 machines take the rows with <see cref="LayerNormRows512"/> (the default); tests and the bench turn it off for the reference.</summary>
    internal static bool RowKernels = true;

    /// <summary>
    /// Whether the AVX-512 rows are taken 16 at a time (<see cref="LayerNormBlocks512"/>; the default) rather than one by
    /// one (<see cref="LayerNormRows512"/>); the same bits either way. False for A/B comparisons; starts false when the
    /// environment variable <c>DEEPSHARP_LAYER_NORM</c> is <c>rows</c>.
    /// </summary>
    internal static bool RowBlocks { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_LAYER_NORM"), "rows", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a layer normalization's backward adds dx into the gradient already pending for its input (a residual
    /// stream's) in its own sweep (the default) instead of handing dx on to be summed in a pass of its own; the same bits
    /// either way. False for A/B comparisons; starts false when the environment variable
    /// <c>DEEPSHARP_LAYER_NORM_GRADIENT</c> is <c>separate</c>.
    /// </summary>
    internal static bool AddIntoPending { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_LAYER_NORM_GRADIENT"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the blocks of 16 rows ask for the next block's lines of the tensors that come from memory before working on
    /// their own (the default; no value changes): in a training step those tensors were last touched long before (the
    /// residual stream a block earlier, the input of a backward since its forward) and the hardware's prefetchers ran
    /// behind. False for A/B comparisons; starts false when the environment variable <c>DEEPSHARP_LAYER_NORM_PREFETCH</c>
    /// is <c>off</c>.
    /// </summary>
    internal static bool PrefetchNextBlock { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_LAYER_NORM_PREFETCH"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the tiles ask for a later block a row at a time, a row of one tensor for each row they work on in each sweep
    /// (forward: the next block's residual operand or input, sum and y, one per sweep; backward: the block two ahead's
    /// input, then its pending gradient; the default), rather than all of the next block's lines, 128–192 requests, in one
    /// burst before it starts (faster with its operands coming from memory, as in a training step: see BENCHMARKS.md). No value
    /// changes. False for A/B comparisons; starts false when the environment variable <c>DEEPSHARP_LAYER_NORM_PREFETCH</c>
    /// is <c>block</c>.
    /// </summary>
    internal static bool PrefetchRows { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_LAYER_NORM_PREFETCH"), "block", StringComparison.OrdinalIgnoreCase);

    // How many blocks ahead PrefetchRows asks: measured best of one to three (the backward's two sweeps are shorter).
    private const int ForwardRowPrefetchBlocks = 1, BackwardRowPrefetchBlocks = 2;

    /// <summary>
    /// Whether the blocks of 16 rows keep a tile of up to 64 columns' γ, β, dγ and dβ in registers down the rows and add a
    /// residual forward's operands in their first sweep (<see cref="LayerNormTiles512"/>; the default) rather than loading
    /// them for every row (<see cref="LayerNormBlocks512"/>); the same bits either way. False for A/B comparisons; starts
    /// false when the environment variable <c>DEEPSHARP_LAYER_NORM_TILES</c> is <c>off</c>.
    /// </summary>
    internal static bool Tiles { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_LAYER_NORM_TILES"), "off", StringComparison.OrdinalIgnoreCase);

    private static void Run(ref Body body)
    {
        body.Fast = RowKernels && Simd.Level == SimdLevel.Vector512;
        body.Blocks = body.Fast && RowBlocks;
        body.Tiles = body.Blocks && Tiles;
        body.Prefetch = body.Blocks && PrefetchNextBlock && Sse.IsSupported;
        body.PrefetchRows = body.Prefetch && body.Tiles && PrefetchRows;
        body.Chunks = Chunks(body.Rows);
        if (body.Chunks == 1 || Parallelism.Threads == 1 || (long)body.Rows * body.N < ParallelMinElements)
            for (int c = 0; c < body.Chunks; c++) body.Execute(c);
        else WorkerPool.For(body.Chunks, ref body);
    }

    private struct Body : IParallelBody
    {
        public bool Backward, Sums, Fast, Blocks, Tiles, AddToDx, Prefetch, PrefetchRows;
        public float* X, Gamma, Beta, Y, Mean, InvStd, Dy, Dx, Partials;
        public float* Addend, Branch; // forward: X = Addend + Branch first, when given
        public int Rows, N, Chunks;
        public float Epsilon;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int chunk)
        {
            int first = (int)((long)Rows * chunk / Chunks), last = (int)((long)Rows * (chunk + 1) / Chunks);
            if (Fast)
            {
                FastRows(chunk, first, last);
                return;
            }
            if (!Backward)
            {
                for (int r = first; r < last; r++)
                {
                    AddRows(r, 1);
                    ForwardRow(r);
                }
                return;
            }
            Span<float> dGamma = default, dBeta = default;
            if (Sums)
            {
                dGamma = new Span<float>(Partials + 2L * chunk * N, N);
                dBeta = new Span<float>(Partials + 2L * chunk * N + N, N);
                dGamma.Clear();
                dBeta.Clear();
            }
            // x̂ and dx̂ of a row, on the stack when the row is short (a transformer's features).
            float[]? rented = null;
            Span<float> scratch = N <= 1024 ? stackalloc float[2 * N] : (rented = System.Buffers.ArrayPool<float>.Shared.Rent(2 * N));
            var normalized = scratch[..N];
            var scaled = scratch.Slice(N, N);
            for (int r = first; r < last; r++) BackwardRow(r, normalized, scaled, dGamma, dBeta);
            if (rented != null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }

        /// <summary>Rows [first, last) of chunk <paramref name="chunk"/> with <see cref="LayerNormRows512"/>.</summary>
        private readonly void FastRows(int chunk, int first, int last)
        {
            if (Blocks)
            {
                BlockRows(chunk, first, last);
                return;
            }
            if (!Backward)
            {
                for (int r = first; r < last; r++)
                {
                    long at = (long)r * N;
                    AddRows(r, 1);
                    (Mean[r], InvStd[r]) = LayerNormRows512.Forward(X + at, Gamma, Beta, Y + at, N, Epsilon);
                }
                return;
            }
            float* dGamma = null, dBeta = null;
            if (Sums)
            {
                dGamma = Partials + 2L * chunk * N;
                dBeta = dGamma + N;
                new Span<float>(dGamma, 2 * N).Clear();
            }
            for (int r = first; r < last; r++)
            {
                long at = (long)r * N;
                LayerNormRows512.Backward(X + at, Gamma, Dy + at, Mean[r], InvStd[r], Dx == null ? null : Dx + at, AddToDx, Sums, dGamma, dBeta, N);
            }
        }

        /// <summary>Rows [first, last) of chunk <paramref name="chunk"/>, 16 at a time, with <see cref="LayerNormBlocks512"/>.</summary>
        [SkipLocalsInit]
        private readonly void BlockRows(int chunk, int first, int last)
        {
            float* unaligned = stackalloc float[Math.Max(LayerNormBlocks512.ScratchFloats, LayerNormTiles512.ScratchFloats) + 16];
            float* scratch = (float*)(((nint)unaligned + 63) & ~(nint)63);
            float* dGamma = null, dBeta = null;
            if (Backward && Sums)
            {
                dGamma = Partials + 2L * chunk * N;
                dBeta = dGamma + N;
                new Span<float>(dGamma, 2 * N).Clear();
            }
            for (int r = first; r < last; r += LayerNormBlocks512.Rows)
            {
                int rows = Math.Min(LayerNormBlocks512.Rows, last - r);
                long at = (long)r * N;
                if (Prefetch && !PrefetchRows) PrefetchBlock(r + LayerNormBlocks512.Rows);
                if (Tiles)
                {
                    if (!Backward)
                        LayerNormTiles512.Forward(Addend == null ? null : Addend + at, Branch == null ? null : Branch + at, X + at, Gamma, Beta, Y + at,
                            Mean + r, InvStd + r, rows, N, Epsilon, scratch, PrefetchRows ? Ahead(r + ForwardRowPrefetchBlocks * LayerNormBlocks512.Rows) : default);
                    else LayerNormTiles512.Backward(X + at, Gamma, Dy + at, Mean + r, InvStd + r, Dx == null ? null : Dx + at, AddToDx, Sums, dGamma, dBeta, rows, N, scratch,
                        PrefetchRows ? Ahead(r + BackwardRowPrefetchBlocks * LayerNormBlocks512.Rows) : default);
                    continue;
                }
                if (!Backward)
                {
                    AddRows(r, rows);
                    LayerNormBlocks512.Forward(X + at, Gamma, Beta, Y + at, Mean + r, InvStd + r, rows, N, Epsilon, scratch);
                }
                else LayerNormBlocks512.Backward(X + at, Gamma, Dy + at, Mean + r, InvStd + r, Dx == null ? null : Dx + at, AddToDx, Sums, dGamma, dBeta, rows, N, scratch);
            }
        }

        /// <summary>X = Addend + Branch over rows [first, first + count), when the forward has an addend.</summary>
        private readonly void AddRows(int first, int count)
        {
            if (Addend == null) return;
            long at = (long)first * N;
            int length = count * N;
            TensorPrimitives.Add(new ReadOnlySpan<float>(Addend + at, length), new ReadOnlySpan<float>(Branch + at, length), new Span<float>(X + at, length));
        }

        /// <summary>
        /// Asks for the lines of the block of rows at <paramref name="first"/> (when there is one) in the tensors that come
        /// from memory: forward the addend (or the input) and the two outputs, backward the input and a dx added into.
        /// </summary>
        private readonly void PrefetchBlock(int first)
        {
            if (first >= Rows) return;
            long at = (long)first * N, floats = (long)Math.Min(LayerNormBlocks512.Rows, Rows - first) * N;
            if (!Backward)
            {
                PrefetchLines(Addend != null ? Addend + at : X + at, floats);
                if (Addend != null && X != Branch) PrefetchLines(X + at, floats);
                PrefetchLines(Y + at, floats);
                return;
            }
            PrefetchLines(X + at, floats);
            if (AddToDx && Dx != null) PrefetchLines(Dx + at, floats);
        }

        /// <summary>What the tiles ask for of the block of rows at <paramref name="first"/>: the lines <see cref="PrefetchBlock"/> would.</summary>
        private readonly LayerNormTiles512.Lookahead Ahead(int first)
        {
            if (first >= Rows) return default;
            long at = (long)first * N;
            var ahead = new LayerNormTiles512.Lookahead { Rows = Math.Min(LayerNormBlocks512.Rows, Rows - first) };
            if (!Backward)
            {
                ahead.First = Addend != null ? Addend + at : X + at;
                // A sum written over the branch (just written by the op before, in cache) is not asked for.
                ahead.Second = Addend != null && X != Branch ? X + at : null;
                ahead.Third = Y + at;
                return ahead;
            }
            ahead.First = X + at;
            ahead.Second = AddToDx && Dx != null ? Dx + at : null;
            return ahead;
        }

        private static void PrefetchLines(float* start, long floats)
        {
            for (long f = 0; f < floats; f += 16) Sse.Prefetch0(start + f);
        }

        private readonly void ForwardRow(int r)
        {
            long at = (long)r * N;
            var x = new ReadOnlySpan<float>(X + at, N);
            var y = new Span<float>(Y + at, N);
            float mean = TensorPrimitives.Sum(x) / N;
            TensorPrimitives.Subtract(x, mean, y);
            float invStd = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(y) / N + Epsilon);
            Mean[r] = mean;
            InvStd[r] = invStd;
            TensorPrimitives.Multiply(y, invStd, y);                                         // x̂
            if (Gamma != null && Beta != null) TensorPrimitives.MultiplyAdd(y, new ReadOnlySpan<float>(Gamma, N), new ReadOnlySpan<float>(Beta, N), y);
            else if (Gamma != null) TensorPrimitives.Multiply(y, new ReadOnlySpan<float>(Gamma, N), y);
            else if (Beta != null) TensorPrimitives.Add(y, new ReadOnlySpan<float>(Beta, N), y);
        }

        private readonly void BackwardRow(int r, Span<float> normalized, Span<float> scaled, Span<float> dGamma, Span<float> dBeta)
        {
            long at = (long)r * N;
            var dy = new ReadOnlySpan<float>(Dy + at, N);
            float invStd = InvStd[r];
            TensorPrimitives.Subtract(new ReadOnlySpan<float>(X + at, N), Mean[r], normalized);
            TensorPrimitives.Multiply(normalized, invStd, normalized);                       // x̂
            if (Sums)
            {
                TensorPrimitives.MultiplyAdd(dy, normalized, dGamma, dGamma);                // Σ dy·x̂
                TensorPrimitives.Add(dBeta, dy, dBeta);                                      // Σ dy
            }
            if (Dx == null) return;
            if (Gamma != null) TensorPrimitives.Multiply(dy, new ReadOnlySpan<float>(Gamma, N), scaled);
            else dy.CopyTo(scaled);                                                          // dx̂
            float meanScaled = TensorPrimitives.Sum(scaled) / N;
            float meanProduct = TensorPrimitives.Dot(scaled, normalized) / N;
            var dx = new Span<float>(Dx + at, N);
            var result = AddToDx ? scaled : dx;
            // dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/σ
            TensorPrimitives.MultiplyAdd(normalized, -meanProduct, scaled, result);
            TensorPrimitives.Subtract(result, meanScaled, result);
            TensorPrimitives.Multiply(result, invStd, result);
            if (AddToDx) TensorPrimitives.Add(dx, result, dx);
        }
    }
}

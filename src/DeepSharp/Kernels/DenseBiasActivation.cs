using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>The activations a Dense layer's product takes into its own passes (others follow as their own op).</summary>
internal enum DenseActivation
{
    Linear,
    Gelu,

    /// <summary>
    /// GELU whose forward keeps its derivative at z in z's place (all backward needs of z): the Φ(z) and φ(z) both need are
    /// taken once, and backward only multiplies. The same values as <see cref="Gelu"/>.
    /// </summary>
    GeluKeepingDerivative,
}

/// <summary>
/// A Dense layer's tail, z = x·W + b and y = activation(z), done on the product's rectangles of C while they are in
/// cache (a <see cref="GemmEpilogue"/>), and its gradient dz = dy·activation'(z) with db = the column sums of dz in one
/// pass. The separate ops each made a pass over the whole batch (the bias add one row at a time on one thread).
/// Values are those of the separate ops: z + b added once, the activation's lane function on it. The column sums run
/// over chunks of rows fixed by the shape, added in chunk order, so they have the same bits at any thread count.
/// </summary>
internal static unsafe class DenseBiasActivation
{
    private const int MaxChunks = 32;
    private const int MinChunkRows = 8;
    private const long ParallelMinElements = 1 << 15;

    /// <summary>
    /// Whether a Dense layer's bias and activation run in its product's passes; false runs them as separate ops, for
    /// A/B comparisons. Starts false when the environment variable <c>DEEPSHARP_DENSE</c> is <c>separate</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a Dense layer's two gradient products (kernel and input) run as one parallel job (<see cref="GemmGroup"/>:
    /// on two threads each product whole on its own core, one wait instead of two); false runs them one after the other,
    /// each shared out by the GEMM, for A/B comparisons. The same bits either way. Starts false when the environment
    /// variable <c>DEEPSHARP_DENSE_GRADIENTS</c> is <c>separate</c>.
    /// </summary>
    internal static bool GradientsTogether { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE_GRADIENTS"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a GELU layer keeps its derivative rather than z for backward (<see cref="DenseActivation.GeluKeepingDerivative"/>;
    /// the default); false keeps z and takes the derivative in backward, for A/B comparisons. Starts false when the
    /// environment variable <c>DEEPSHARP_GELU_DERIVATIVE</c> is <c>backward</c>.
    /// </summary>
    internal static bool GeluDerivativeInForward { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_GELU_DERIVATIVE"), "backward", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a Dense backward with an activation writes dz = dy·activation'(z) over dy when it owns dy's buffer alone (the
    /// default: dy was just written by the op after, so its lines are in cache, where a new buffer's were last touched a
    /// step earlier and are read from memory before they are written); false writes dz into a new buffer, for A/B
    /// comparisons. The same values either way. Starts false when the environment variable <c>DEEPSHARP_DENSE_DZ</c> is
    /// <c>separate</c>.
    /// </summary>
    internal static bool GradientOverDy { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DENSE_DZ"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>What the epilogue reads and writes: C holds x·W (ldc apart), becomes z (or GELU's derivative at z); y may be C itself (linear).</summary>
    internal struct Tail
    {
        public float* Z, Y, Bias;
        public int Ldc;
        public DenseActivation Activation;
    }

    /// <summary>The epilogue that turns rectangles of C = x·W into z = C + b (in place) and y = activation(z).</summary>
    internal static GemmEpilogue Epilogue(Tail* tail) => new(&Apply, tail);

    private static void Apply(void* state, int row0, int row1, int column0, int column1)
    {
        var pass = new ForwardPass(*(Tail*)state, row0, row1, column0, column1);
        LaneKernel.Run(ref pass);
    }

    /// <summary>Chunks of rows a gradient pass sums separately (fixed by the shape).</summary>
    internal static int Chunks(int rows) => Math.Max(1, Math.Min(MaxChunks, rows / MinChunkRows));

    /// <summary>Floats of scratch <see cref="Backward"/> needs for its partial column sums.</summary>
    internal static long Partials(int rows, int n) => (long)Chunks(rows) * n;

    /// <summary>
    /// From dy (rows × n): dz = dy·activation'(z) into <paramref name="dz"/> (unless linear, where dz is dy and
    /// <paramref name="dz"/> is not written), and when <paramref name="db"/> is not null its column sums, through
    /// <paramref name="partials"/> (<see cref="Partials"/> floats).
    /// </summary>
    internal static void Backward(float* z, float* dy, float* dz, float* partials, float* db, int rows, int n, DenseActivation activation)
    {
        var body = new BackwardBody { Z = z, Dy = dy, Dz = dz, Partials = db == null ? null : partials, Rows = rows, N = n, Activation = activation };
        body.Chunks = Chunks(rows);
        if (activation == DenseActivation.Linear && db == null) return;
        if (body.Chunks == 1 || Parallelism.Threads == 1 || (long)rows * n < ParallelMinElements)
            for (int c = 0; c < body.Chunks; c++) body.Execute(c);
        else WorkerPool.For(body.Chunks, ref body);
        if (db != null) SumPartials(partials, db, rows, n);
    }

    /// <summary>
    /// <see cref="Backward"/>'s pass over chunks [<paramref name="chunk0"/>, <paramref name="chunk1"/>) of the
    /// <see cref="Chunks"/> only, on this thread, leaving their column sums in <paramref name="partials"/> (when not null)
    /// for <see cref="SumPartials"/>: a caller that cuts the rows itself runs each of its parts where its rows are.
    /// </summary>
    internal static void BackwardChunks(float* z, float* dy, float* dz, float* partials, int rows, int n, DenseActivation activation, int chunk0, int chunk1)
    {
        if (activation == DenseActivation.Linear && partials == null) return;
        var body = new BackwardBody { Z = z, Dy = dy, Dz = dz, Partials = partials, Rows = rows, N = n, Activation = activation, Chunks = Chunks(rows) };
        for (int c = chunk0; c < chunk1; c++) body.Execute(c);
    }

    /// <summary>The first row of chunk <paramref name="chunk"/> of <see cref="Chunks"/> (the row count for the last chunk + 1).</summary>
    internal static int ChunkStart(int rows, int chunk) => (int)((long)rows * chunk / Chunks(rows));

    /// <summary>db = the chunks' partial column sums added in chunk order.</summary>
    internal static void SumPartials(float* partials, float* db, int rows, int n)
    {
        var sum = new Span<float>(partials, n);
        for (int c = 1; c < Chunks(rows); c++)
            System.Numerics.Tensors.TensorPrimitives.Add(sum, new ReadOnlySpan<float>(partials + (long)c * n, n), sum);
        sum.CopyTo(new Span<float>(db, n));
    }

    private readonly struct ForwardPass(Tail tail, int row0, int row1, int column0, int column1) : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            for (int r = row0; r < row1; r++)
            {
                float* z = tail.Z + (long)r * tail.Ldc, y = tail.Y + (long)r * tail.Ldc;
                int j = Columns<T>(z, tail.Bias, y, column0, column1, tail.Activation);
                Columns<Lane1>(z, tail.Bias, y, j, column1, tail.Activation);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* z, float* bias, float* y, int j, int end, DenseActivation activation) where T : struct, ILanes<T>
        {
            if (activation == DenseActivation.Gelu)
            {
                for (; j <= end - T.Count; j += T.Count)
                {
                    var v = T.Load(z + j) + T.Load(bias + j);
                    T.Store(z + j, v);
                    T.Store(y + j, new GeluFunction().Apply(v));
                }
                return j;
            }
            if (activation == DenseActivation.GeluKeepingDerivative)
            {
                for (; j <= end - T.Count; j += T.Count)
                {
                    var v = T.Load(z + j) + T.Load(bias + j);
                    var cdf = GeluFunction.Cdf(v, out var density);
                    T.Store(z + j, GeluGradient.Derivative(v, cdf, density));
                    T.Store(y + j, GeluFunction.Value(v, cdf));
                }
                return j;
            }
            for (; j <= end - T.Count; j += T.Count) T.Store(y + j, T.Load(z + j) + T.Load(bias + j));
            return j;
        }
    }

    private struct BackwardBody : IParallelBody
    {
        public float* Z, Dy, Dz, Partials;
        public int Rows, N, Chunks;
        public DenseActivation Activation;

        public readonly void Execute(int chunk)
        {
            var pass = new BackwardPass(this, chunk);
            LaneKernel.Run(ref pass);
        }
    }

    private readonly struct BackwardPass(BackwardBody body, int chunk) : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            int n = body.N, first = (int)((long)body.Rows * chunk / body.Chunks), last = (int)((long)body.Rows * (chunk + 1) / body.Chunks);
            float* sums = body.Partials == null ? null : body.Partials + (long)chunk * n;
            if (sums != null) new Span<float>(sums, n).Clear();
            var activation = body.Activation;
            for (int r = first; r < last; r++)
            {
                long at = (long)r * n;
                float* dy = body.Dy + at, z = body.Z + at, dz = activation != DenseActivation.Linear ? body.Dz + at : dy;
                int j = Columns<T>(z, dy, dz, sums, 0, n, activation);
                Columns<Lane1>(z, dy, dz, sums, j, n, activation);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* z, float* dy, float* dz, float* sums, int j, int n, DenseActivation activation) where T : struct, ILanes<T>
        {
            for (; j <= n - T.Count; j += T.Count)
            {
                var d = T.Load(dy + j);
                if (activation != DenseActivation.Linear)
                {
                    // z holds GELU's derivative already, or z itself to take it from.
                    d = activation == DenseActivation.GeluKeepingDerivative ? d * T.Load(z + j) : new GeluGradient().Apply(T.Load(z + j), d);
                    T.Store(dz + j, d);
                }
                if (sums != null) T.Store(sums + j, T.Load(sums + j) + d);
            }
            return j;
        }
    }
}

namespace DeepSharp.Kernels;

/// <summary>Splits long elementwise loops over the worker threads; short ones run inline.</summary>
internal static unsafe class ParallelSpans
{
    private const int MinimumChunk = 1 << 16;

    internal static void Binary<TOp>(float* a, float* b, float* destination, int length) where TOp : IBinaryOperator
    {
        int chunks = ChunkCount(length);
        if (chunks == 1)
        {
            TOp.Invoke(new ReadOnlySpan<float>(a, length), new ReadOnlySpan<float>(b, length), new Span<float>(destination, length));
            return;
        }
        var body = new BinaryBody<TOp> { A = a, B = b, Destination = destination, Length = length, Chunks = chunks };
        WorkerPool.For(chunks, ref body);
    }

    /// <summary>destination = op(x) over <paramref name="length"/> elements.</summary>
    internal static void Unary<TOp>(in TOp op, float* x, float* destination, int length) where TOp : struct, IUnaryOperator
    {
        int chunks = ChunkCount(length);
        if (chunks == 1)
        {
            op.Invoke(new ReadOnlySpan<float>(x, length), new Span<float>(destination, length));
            return;
        }
        var body = new UnaryBody<TOp> { Op = op, X = x, Destination = destination, Length = length, Chunks = chunks };
        WorkerPool.For(chunks, ref body);
    }

    /// <summary>destination = op(saved, gradient) over <paramref name="length"/> elements (a backward rule's pass).</summary>
    internal static void Gradient<TOp>(in TOp op, float* saved, float* gradient, float* destination, int length) where TOp : struct, IGradientOperator
    {
        int chunks = ChunkCount(length);
        if (chunks == 1)
        {
            op.Invoke(new ReadOnlySpan<float>(saved, length), new ReadOnlySpan<float>(gradient, length), new Span<float>(destination, length));
            return;
        }
        var body = new GradientBody<TOp> { Op = op, Saved = saved, Gradient = gradient, Destination = destination, Length = length, Chunks = chunks };
        WorkerPool.For(chunks, ref body);
    }

    internal static int ChunkCount(int length) =>
        Parallelism.Threads == 1 || length < 2 * MinimumChunk ? 1 : Math.Min(Parallelism.Threads * 2, length / MinimumChunk);

    private struct BinaryBody<TOp> : IParallelBody where TOp : IBinaryOperator
    {
        public float* A, B, Destination;
        public int Length, Chunks;

        public readonly void Execute(int chunk)
        {
            int start = (int)((long)Length * chunk / Chunks);
            int end = (int)((long)Length * (chunk + 1) / Chunks);
            int n = end - start;
            TOp.Invoke(new ReadOnlySpan<float>(A + start, n), new ReadOnlySpan<float>(B + start, n), new Span<float>(Destination + start, n));
        }
    }

    private struct UnaryBody<TOp> : IParallelBody where TOp : struct, IUnaryOperator
    {
        public TOp Op;
        public float* X, Destination;
        public int Length, Chunks;

        public readonly void Execute(int chunk)
        {
            int start = (int)((long)Length * chunk / Chunks);
            int n = (int)((long)Length * (chunk + 1) / Chunks) - start;
            Op.Invoke(new ReadOnlySpan<float>(X + start, n), new Span<float>(Destination + start, n));
        }
    }

    private struct GradientBody<TOp> : IParallelBody where TOp : struct, IGradientOperator
    {
        public TOp Op;
        public float* Saved, Gradient, Destination;
        public int Length, Chunks;

        public readonly void Execute(int chunk)
        {
            int start = (int)((long)Length * chunk / Chunks);
            int n = (int)((long)Length * (chunk + 1) / Chunks) - start;
            Op.Invoke(new ReadOnlySpan<float>(Saved + start, n), new ReadOnlySpan<float>(Gradient + start, n), new Span<float>(Destination + start, n));
        }
    }
}

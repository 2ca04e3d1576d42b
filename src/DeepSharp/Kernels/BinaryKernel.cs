using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>The math of one elementwise binary operation, in the four forms the broadcasting driver calls.</summary>
internal interface IBinaryOperator
{
    static abstract float Invoke(float x, float y);
    static abstract void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);
    static abstract void Invoke(ReadOnlySpan<float> x, float y, Span<float> destination);
    static abstract void Invoke(float x, ReadOnlySpan<float> y, Span<float> destination);
}

/// <summary>
/// Runs a binary operator over two broadcast operands into a contiguous destination. Dimensions are
/// coalesced first, so the inner loop is one TensorPrimitives call over the longest run the layout allows;
/// large outputs are split over the worker threads.
/// </summary>
internal static unsafe class BinaryKernel
{
    private const int ParallelThreshold = 1 << 17; // a (2048, 64) activation: a few tens of microseconds on one core

    internal static void Run<TOp>(float* a, ReadOnlySpan<int> aStrides, float* b, ReadOnlySpan<int> bStrides, float* destination, ReadOnlySpan<int> shape)
        where TOp : IBinaryOperator
    {
        var plan = new Plan<TOp> { A = a, B = b, Destination = destination };
        plan.Rank = Coalesce(shape, aStrides, bStrides, ref plan);
        if (plan.Rank == 0)
        {
            *destination = TOp.Invoke(*a, *b);
            return;
        }
        long outer = 1;
        for (int d = 0; d < plan.Rank - 1; d++) outer *= plan.Dims[d];
        long total = outer * plan.Dims[plan.Rank - 1];
        if (total < ParallelThreshold || outer < 2 || Parallelism.Threads == 1)
        {
            plan.RunRows(0, outer);
            return;
        }
        int chunks = (int)Math.Min(outer, Parallelism.Threads * 4L);
        plan.Outer = outer;
        plan.Chunks = chunks;
        WorkerPool.For(chunks, ref plan);
    }

    private static int Coalesce<TOp>(ReadOnlySpan<int> shape, ReadOnlySpan<int> aStrides, ReadOnlySpan<int> bStrides, ref Plan<TOp> plan)
        where TOp : IBinaryOperator
    {
        int rank = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            if (rank > 0
                && plan.AStrides[rank - 1] == (long)aStrides[d] * shape[d]
                && plan.BStrides[rank - 1] == (long)bStrides[d] * shape[d])
            {
                plan.Dims[rank - 1] *= shape[d];
                plan.AStrides[rank - 1] = aStrides[d];
                plan.BStrides[rank - 1] = bStrides[d];
            }
            else
            {
                plan.Dims[rank] = shape[d];
                plan.AStrides[rank] = aStrides[d];
                plan.BStrides[rank] = bStrides[d];
                rank++;
            }
        }
        return rank;
    }

    private struct Plan<TOp> : IParallelBody where TOp : IBinaryOperator
    {
        public float* A, B, Destination;
        public Dims8 Dims, AStrides, BStrides;
        public int Rank, Chunks;
        public long Outer;

        public void Execute(int chunk) =>
            RunRows(Outer * chunk / Chunks, Outer * (chunk + 1) / Chunks);

        /// <summary>Runs rows [first, last) of the coalesced layout, a row being the innermost dimension.</summary>
        public readonly void RunRows(long first, long last)
        {
            int inner = Dims[Rank - 1];
            int sa = AStrides[Rank - 1], sb = BStrides[Rank - 1];
            Span<int> index = stackalloc int[Dims8.MaxRank];
            long rest = first;
            for (int d = Rank - 2; d >= 0; d--)
            {
                index[d] = (int)(rest % Dims[d]);
                rest /= Dims[d];
            }
            float* dst = Destination + first * inner;
            for (long row = first; row < last; row++)
            {
                long offsetA = 0, offsetB = 0;
                for (int d = 0; d < Rank - 1; d++)
                {
                    offsetA += (long)index[d] * AStrides[d];
                    offsetB += (long)index[d] * BStrides[d];
                }
                RunRow(A + offsetA, sa, B + offsetB, sb, dst, inner);
                dst += inner;
                for (int d = Rank - 2; d >= 0; d--)
                {
                    if (++index[d] < Dims[d]) break;
                    index[d] = 0;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RunRow(float* a, int sa, float* b, int sb, float* dst, int n)
        {
            var d = new Span<float>(dst, n);
            if (sa == 1 && sb == 1) TOp.Invoke(new ReadOnlySpan<float>(a, n), new ReadOnlySpan<float>(b, n), d);
            else if (sa == 1 && sb == 0) TOp.Invoke(new ReadOnlySpan<float>(a, n), *b, d);
            else if (sa == 0 && sb == 1) TOp.Invoke(*a, new ReadOnlySpan<float>(b, n), d);
            else if (sa == 0 && sb == 0) d.Fill(TOp.Invoke(*a, *b));
            else for (int i = 0; i < n; i++) dst[i] = TOp.Invoke(a[(long)i * sa], b[(long)i * sb]);
        }
    }
}

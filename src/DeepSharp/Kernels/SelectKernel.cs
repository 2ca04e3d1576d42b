using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// destination = condition ≠ 0 ? a : b over three broadcast operands (NaN counts as true, as a nonzero
/// value). Dimensions are coalesced first; rows whose operands are contiguous or broadcast along the row
/// run vectorized, and large outputs are split over the worker threads.
/// </summary>
internal static unsafe class SelectKernel
{
    private const int ParallelThreshold = 1 << 17;

    internal static void Run(float* condition, ReadOnlySpan<int> conditionStrides, float* a, ReadOnlySpan<int> aStrides,
        float* b, ReadOnlySpan<int> bStrides, float* destination, ReadOnlySpan<int> shape)
    {
        var plan = new Plan { C = condition, A = a, B = b, Destination = destination };
        int rank = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 0) return;
            if (shape[d] == 1) continue;
            if (rank > 0
                && plan.CStrides[rank - 1] == (long)conditionStrides[d] * shape[d]
                && plan.AStrides[rank - 1] == (long)aStrides[d] * shape[d]
                && plan.BStrides[rank - 1] == (long)bStrides[d] * shape[d])
            {
                plan.Dims[rank - 1] *= shape[d];
                plan.CStrides[rank - 1] = conditionStrides[d];
                plan.AStrides[rank - 1] = aStrides[d];
                plan.BStrides[rank - 1] = bStrides[d];
            }
            else
            {
                plan.Dims[rank] = shape[d];
                plan.CStrides[rank] = conditionStrides[d];
                plan.AStrides[rank] = aStrides[d];
                plan.BStrides[rank] = bStrides[d];
                rank++;
            }
        }
        if (rank == 0)
        {
            *destination = *condition != 0f ? *a : *b;
            return;
        }
        plan.Rank = rank;
        long outer = 1;
        for (int d = 0; d < rank - 1; d++) outer *= plan.Dims[d];
        if (outer * plan.Dims[rank - 1] < ParallelThreshold || outer < 2 || Parallelism.Threads == 1)
        {
            plan.RunRows(0, outer);
            return;
        }
        plan.Outer = outer;
        plan.Chunks = (int)Math.Min(outer, Parallelism.Threads * 4L);
        WorkerPool.For(plan.Chunks, ref plan);
    }

    private struct Plan : IParallelBody
    {
        public float* C, A, B, Destination;
        public Dims8 Dims, CStrides, AStrides, BStrides;
        public int Rank, Chunks;
        public long Outer;

        public readonly void Execute(int chunk) => RunRows(Outer * chunk / Chunks, Outer * (chunk + 1) / Chunks);

        public readonly void RunRows(long first, long last)
        {
            int inner = Dims[Rank - 1];
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
                long oc = 0, oa = 0, ob = 0;
                for (int d = 0; d < Rank - 1; d++)
                {
                    oc += (long)index[d] * CStrides[d];
                    oa += (long)index[d] * AStrides[d];
                    ob += (long)index[d] * BStrides[d];
                }
                Row(C + oc, CStrides[Rank - 1], A + oa, AStrides[Rank - 1], B + ob, BStrides[Rank - 1], dst, inner);
                dst += inner;
                for (int d = Rank - 2; d >= 0; d--)
                {
                    if (++index[d] < Dims[d]) break;
                    index[d] = 0;
                }
            }
        }

        private static void Row(float* c, int sc, float* a, int sa, float* b, int sb, float* dst, int n)
        {
            if (sc is 0 or 1 && sa is 0 or 1 && sb is 0 or 1)
            {
                var row = new SelectRow(c, sc, a, sa, b, sb, dst, n);
                LaneKernel.Run(ref row);
                return;
            }
            for (int i = 0; i < n; i++) dst[i] = c[(long)i * sc] != 0f ? a[(long)i * sa] : b[(long)i * sb];
        }
    }

    /// <summary>One row whose operands are each contiguous (stride 1) or one value (stride 0).</summary>
    private readonly struct SelectRow(float* c, int sc, float* a, int sa, float* b, int sb, float* dst, int n) : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            int i = Groups<T>(0);
            Groups<Lane1>(i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Groups<T>(int i) where T : struct, ILanes<T>
        {
            for (; i <= n - T.Count; i += T.Count)
            {
                var cv = sc == 1 ? T.Load(c + i) : T.Broadcast(*c);
                var av = sa == 1 ? T.Load(a + i) : T.Broadcast(*a);
                var bv = sb == 1 ? T.Load(b + i) : T.Broadcast(*b);
                T.Store(dst + i, T.Select(T.Equal(cv, T.Broadcast(0f)), bv, av));
            }
            return i;
        }
    }
}

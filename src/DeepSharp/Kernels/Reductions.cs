using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>The reductions a tensor library needs: sums and extremes.</summary>
internal enum ReduceKind
{
    Sum,
    Max,
    Min,
}

/// <summary>
/// Sums and extremes over axes of contiguous data, vectorized along whichever dimension is contiguous.
/// Axes are described by a target shape: the source shape with each reduced dimension set to 1 (or, at
/// the left, absent), as broadcasting would have it.
/// </summary>
internal static unsafe class Reductions
{
    private const int ParallelThreshold = 1 << 16;
    private const int RowPieceMin = 1 << 14; // a long row's pieces: big enough that combining them costs nothing
    private const int MaxRowPieces = 64;

    /// <summary>
    /// Reduces contiguous <paramref name="source"/> of shape <paramref name="sourceShape"/> down to
    /// <paramref name="targetShape"/> into contiguous <paramref name="destination"/>. An empty source
    /// gives the identity of the reduction (0 for sums, ∓∞ for extremes).
    /// </summary>
    internal static void Reduce(ReduceKind kind, float* source, ReadOnlySpan<int> sourceShape, float* destination, ReadOnlySpan<int> targetShape)
    {
        long targetSize = Product(targetShape);
        if (Product(sourceShape) == 0)
        {
            new Span<float>(destination, checked((int)targetSize)).Fill(Identity(kind));
            return;
        }
        Span<int> dims = stackalloc int[Dims8.MaxRank];
        Span<bool> reduced = stackalloc bool[Dims8.MaxRank];
        int runs = Coalesce(sourceShape, targetShape, dims, reduced);
        if (runs == 0)
        {
            *destination = *source;
            return;
        }
        int reducedRuns = 0, firstReduced = -1;
        for (int r = 0; r < runs; r++)
        {
            if (!reduced[r]) continue;
            reducedRuns++;
            if (firstReduced < 0) firstReduced = r;
        }
        if (reducedRuns == 0)
        {
            new ReadOnlySpan<float>(source, checked((int)targetSize)).CopyTo(new Span<float>(destination, (int)targetSize));
            return;
        }
        if (reducedRuns == 1)
        {
            // [kept][reduced][kept]: one middle axis, the shape the vectorized and parallel kernel serves.
            int outer = firstReduced == 0 ? 1 : dims[0];
            int inner = firstReduced == runs - 1 ? 1 : dims[runs - 1];
            ReduceAxis(kind, source, outer, dims[firstReduced], inner, destination);
            return;
        }
        ReduceRuns(kind, source, dims[..runs], reduced[..runs], destination, targetSize);
    }

    /// <summary>
    /// Sums contiguous <paramref name="source"/> of shape <paramref name="sourceShape"/> down to
    /// <paramref name="targetShape"/>, a shape it was broadcast from (the gradient of broadcasting).
    /// </summary>
    internal static void SumToShape(float* source, ReadOnlySpan<int> sourceShape, float* destination, ReadOnlySpan<int> targetShape) =>
        Reduce(ReduceKind.Sum, source, sourceShape, destination, targetShape);

    /// <summary>
    /// Reduces the middle axis of <paramref name="source"/>, viewed as [outer, n, inner], into
    /// <paramref name="destination"/> of [outer, inner]; large inputs are split over the worker threads
    /// along outer rows, inner columns, or (for one long row) pieces of the row.
    /// </summary>
    internal static void ReduceAxis(ReduceKind kind, float* source, int outer, int n, int inner, float* destination)
    {
        long total = (long)outer * n * inner;
        int threads = Parallelism.Threads;
        var plan = new AxisPlan { Kind = kind, Source = source, Destination = destination, Outer = outer, N = n, Inner = inner };
        if (total < ParallelThreshold || threads == 1)
        {
            plan.Block(0, outer, 0, inner);
            return;
        }
        if (outer >= 2)
        {
            plan.Split = AxisSplit.Outer;
            plan.Chunks = Math.Min(outer, threads * 4);
        }
        else if (inner >= 256)
        {
            plan.Split = AxisSplit.Inner;
            plan.Chunks = Math.Min(inner / 64, threads * 4);
        }
        else if (inner == 1)
        {
            // One long row: each chunk reduces one of the row's pieces, then the pieces are combined, as one thread
            // reduces the row (ReduceRow).
            int chunks = RowPieces(n);
            float* partials = stackalloc float[chunks];
            plan.Split = AxisSplit.Row;
            plan.Chunks = chunks;
            plan.Partials = partials;
            WorkerPool.For(chunks, ref plan);
            *destination = CombinePieces(kind, partials, chunks);
            return;
        }
        else
        {
            plan.Block(0, outer, 0, inner);
            return;
        }
        WorkerPool.For(plan.Chunks, ref plan);
    }

    private enum AxisSplit { Outer, Inner, Row }

    private struct AxisPlan : IParallelBody
    {
        public ReduceKind Kind;
        public float* Source, Destination, Partials;
        public int Outer, N, Inner, Chunks;
        public AxisSplit Split;

        public readonly void Execute(int chunk)
        {
            switch (Split)
            {
                case AxisSplit.Outer:
                    Block((int)((long)Outer * chunk / Chunks), (int)((long)Outer * (chunk + 1) / Chunks), 0, Inner);
                    break;
                case AxisSplit.Inner:
                    Block(0, Outer, (int)((long)Inner * chunk / Chunks), (int)((long)Inner * (chunk + 1) / Chunks));
                    break;
                default:
                    Partials[chunk] = ReducePiece(Kind, Source, N, chunk, Chunks);
                    break;
            }
        }

        /// <summary>Outer rows [o0, o1), inner columns [c0, c1).</summary>
        public readonly void Block(int o0, int o1, int c0, int c1)
        {
            int width = c1 - c0;
            for (int o = o0; o < o1; o++)
            {
                float* block = Source + (long)o * N * Inner;
                if (Inner == 1)
                {
                    Destination[o] = ReduceRow(Kind, block, N);
                    continue;
                }
                var result = new Span<float>(Destination + (long)o * Inner + c0, width);
                new ReadOnlySpan<float>(block + c0, width).CopyTo(result);
                for (int j = 1; j < N; j++) Combine(Kind, result, new ReadOnlySpan<float>(block + (long)j * Inner + c0, width));
            }
        }
    }

    /// <summary>
    /// A long row is reduced in pieces whose number depends on its length alone, and the pieces' results are combined
    /// in order, one after the other: the same bits whether one thread reduces the row or the workers share its pieces.
    /// </summary>
    private static float ReduceRow(ReduceKind kind, float* row, int n)
    {
        int pieces = RowPieces(n);
        if (pieces == 1) return Reduce(kind, new ReadOnlySpan<float>(row, n));
        float* partials = stackalloc float[pieces];
        for (int i = 0; i < pieces; i++) partials[i] = ReducePiece(kind, row, n, i, pieces);
        return CombinePieces(kind, partials, pieces);
    }

    /// <summary>Pieces of a row of <paramref name="n"/>: at least <see cref="RowPieceMin"/> values each, at most <see cref="MaxRowPieces"/>.</summary>
    private static int RowPieces(int n) => n < 2 * RowPieceMin ? 1 : Math.Min(MaxRowPieces, n / RowPieceMin);

    /// <summary>Piece <paramref name="i"/> of <paramref name="pieces"/>, its bounds on multiples of 64 values (whole vector groups).</summary>
    private static float ReducePiece(ReduceKind kind, float* row, int n, int i, int pieces)
    {
        int start = i == 0 ? 0 : (int)((long)n * i / pieces) & ~63;
        int end = i == pieces - 1 ? n : (int)((long)n * (i + 1) / pieces) & ~63;
        return Reduce(kind, new ReadOnlySpan<float>(row + start, end - start));
    }

    private static float CombinePieces(ReduceKind kind, float* partials, int pieces)
    {
        float result = partials[0];
        for (int i = 1; i < pieces; i++) result = Combine(kind, result, partials[i]);
        return result;
    }

    /// <summary>The general case, several reduced runs: an odometer over rows of the innermost run.</summary>
    private static void ReduceRuns(ReduceKind kind, float* source, ReadOnlySpan<int> dims, ReadOnlySpan<bool> reduced, float* destination, long targetSize)
    {
        new Span<float>(destination, (int)targetSize).Fill(Identity(kind));
        int runs = dims.Length;
        Span<long> targetStrides = stackalloc long[Dims8.MaxRank];
        TargetStrides(dims, reduced, targetStrides);
        Span<int> index = stackalloc int[Dims8.MaxRank];
        index.Clear();
        int inner = dims[runs - 1];
        bool innerReduced = reduced[runs - 1];
        long rows = 1;
        for (int r = 0; r < runs - 1; r++) rows *= dims[r];
        float* src = source;
        for (long row = 0; row < rows; row++)
        {
            long t = 0;
            for (int r = 0; r < runs - 1; r++) t += index[r] * targetStrides[r];
            var values = new ReadOnlySpan<float>(src, inner);
            if (innerReduced) destination[t] = Combine(kind, destination[t], Reduce(kind, values));
            else Combine(kind, new Span<float>(destination + t, inner), values);
            src += inner;
            for (int r = runs - 2; r >= 0; r--)
            {
                if (++index[r] < dims[r]) break;
                index[r] = 0;
            }
        }
    }

    /// <summary>
    /// The index along the middle axis of the largest (or smallest) value, for each of [outer, inner],
    /// written as a float; the first one wins ties and NaN counts as the extreme, as in NumPy.
    /// </summary>
    internal static void ArgExtremeAxis(bool largest, float* source, int outer, int n, int inner, float* destination)
    {
        for (int o = 0; o < outer; o++)
        {
            float* block = source + (long)o * n * inner;
            if (inner == 1)
            {
                var row = new ReadOnlySpan<float>(block, n);
                destination[o] = largest ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
                continue;
            }
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                float bestValue = block[i];
                for (int j = 1; j < n && !float.IsNaN(bestValue); j++)
                {
                    float v = block[(long)j * inner + i];
                    if ((largest ? v > bestValue : v < bestValue) || float.IsNaN(v))
                    {
                        best = j;
                        bestValue = v;
                    }
                }
                destination[(long)o * inner + i] = best;
            }
        }
    }

    /// <summary>
    /// The gradient of a max or min reduction: in each group of <paramref name="source"/> reduced to one
    /// target element, the first element (in row-major order) equal to the reduced value
    /// (<paramref name="values"/>, NaN matching NaN) receives that element's <paramref name="gradient"/>;
    /// all others receive 0. <paramref name="taken"/> is scratch of the target's size.
    /// </summary>
    internal static void RouteToFirstMatch(float* source, ReadOnlySpan<int> sourceShape, float* values, float* gradient,
        ReadOnlySpan<int> targetShape, float* destination, float* taken)
    {
        long sourceSize = Product(sourceShape), targetSize = Product(targetShape);
        new Span<float>(destination, checked((int)sourceSize)).Clear();
        if (sourceSize == 0) return;
        new Span<float>(taken, (int)targetSize).Clear();
        Span<int> dims = stackalloc int[Dims8.MaxRank];
        Span<bool> reduced = stackalloc bool[Dims8.MaxRank];
        int runs = Coalesce(sourceShape, targetShape, dims, reduced);
        if (runs == 0)
        {
            *destination = *gradient;
            return;
        }
        Span<long> targetStrides = stackalloc long[Dims8.MaxRank];
        TargetStrides(dims[..runs], reduced[..runs], targetStrides);
        Span<int> index = stackalloc int[Dims8.MaxRank];
        index.Clear();
        int inner = dims[runs - 1];
        bool innerReduced = reduced[runs - 1];
        long rows = 1;
        for (int r = 0; r < runs - 1; r++) rows *= dims[r];
        float* src = source;
        float* dst = destination;
        for (long row = 0; row < rows; row++)
        {
            long t = 0;
            for (int r = 0; r < runs - 1; r++) t += index[r] * targetStrides[r];
            if (innerReduced)
            {
                if (taken[t] == 0f)
                {
                    float v = values[t];
                    for (int i = 0; i < inner; i++)
                    {
                        if (!Matches(src[i], v)) continue;
                        dst[i] = gradient[t];
                        taken[t] = 1f;
                        break;
                    }
                }
            }
            else
            {
                for (int i = 0; i < inner; i++)
                {
                    if (taken[t + i] != 0f || !Matches(src[i], values[t + i])) continue;
                    dst[i] = gradient[t + i];
                    taken[t + i] = 1f;
                }
            }
            src += inner;
            dst += inner;
            for (int r = runs - 2; r >= 0; r--)
            {
                if (++index[r] < dims[r]) break;
                index[r] = 0;
            }
        }
    }

    private static bool Matches(float x, float value) => x == value || (float.IsNaN(x) && float.IsNaN(value));

    /// <summary>
    /// Drops size-1 dimensions and merges neighbours that are both kept or both reduced, giving runs that
    /// alternate kept/reduced. Returns the number of runs.
    /// </summary>
    private static int Coalesce(ReadOnlySpan<int> sourceShape, ReadOnlySpan<int> targetShape, Span<int> dims, Span<bool> reduced)
    {
        int pad = sourceShape.Length - targetShape.Length;
        int runs = 0;
        for (int d = 0; d < sourceShape.Length; d++)
        {
            int size = sourceShape[d];
            if (size == 1) continue;
            bool isReduced = d < pad || targetShape[d - pad] == 1;
            if (runs > 0 && reduced[runs - 1] == isReduced) dims[runs - 1] *= size;
            else
            {
                dims[runs] = size;
                reduced[runs] = isReduced;
                runs++;
            }
        }
        return runs;
    }

    /// <summary>The step in the target for each run: 0 for reduced runs, the kept size after it for kept runs.</summary>
    private static void TargetStrides(ReadOnlySpan<int> dims, ReadOnlySpan<bool> reduced, Span<long> strides)
    {
        long stride = 1;
        for (int r = dims.Length - 1; r >= 0; r--)
        {
            if (reduced[r]) strides[r] = 0;
            else
            {
                strides[r] = stride;
                stride *= dims[r];
            }
        }
    }

    private static long Product(ReadOnlySpan<int> dims)
    {
        long p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }

    private static float Identity(ReduceKind kind) => kind switch
    {
        ReduceKind.Sum => 0f,
        ReduceKind.Max => float.NegativeInfinity,
        _ => float.PositiveInfinity,
    };

    private static float Reduce(ReduceKind kind, ReadOnlySpan<float> values) => kind switch
    {
        ReduceKind.Sum => Fold<AddFunction>(values, 0f),
        ReduceKind.Max => Fold<MaxFunction>(values, float.NegativeInfinity),
        _ => Fold<MinFunction>(values, float.PositiveInfinity),
    };

    private static float Combine(ReduceKind kind, float a, float b) => kind switch
    {
        ReduceKind.Sum => a + b,
        ReduceKind.Max => MathF.Max(a, b),
        _ => MathF.Min(a, b),
    };

    /// <summary>Elementwise, so the same at every width: TensorPrimitives' loops, which are short on short rows.</summary>
    private static void Combine(ReduceKind kind, Span<float> accumulator, ReadOnlySpan<float> values)
    {
        switch (kind)
        {
            case ReduceKind.Sum: TensorPrimitives.Add(accumulator, values, accumulator); break;
            case ReduceKind.Max: TensorPrimitives.Max(accumulator, values, accumulator); break;
            default: TensorPrimitives.Min(accumulator, values, accumulator); break;
        }
    }

    /// <summary>All of <paramref name="values"/> folded with <typeparamref name="TF"/>, at the width the dispatch picks.</summary>
    private static float Fold<TF>(ReadOnlySpan<float> values, float identity) where TF : struct, IBinaryFunction
    {
        fixed (float* p = values)
        {
            var fold = new RowFold<TF> { Values = p, Length = values.Length, Identity = identity };
            LaneKernel.Run(ref fold);
            return fold.Result;
        }
    }

    /// <summary>
    /// Four accumulators of lanes over the row (independent additions keep the adder busy), then the accumulators,
    /// the lanes and the tail in order. The order of the sum depends on the width: results agree within rounding.
    /// </summary>
    private struct RowFold<TF> : ILaneKernel where TF : struct, IBinaryFunction
    {
        private const int WidestGroup = 16;

        public float* Values;
        public int Length;
        public float Identity, Result;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            var f = default(TF);
            float* p = Values;
            int n = Length, i = 0;
            T a0 = T.Broadcast(Identity), a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 4 * T.Count; i += 4 * T.Count)
            {
                a0 = f.Apply(a0, T.Load(p + i));
                a1 = f.Apply(a1, T.Load(p + i + T.Count));
                a2 = f.Apply(a2, T.Load(p + i + 2 * T.Count));
                a3 = f.Apply(a3, T.Load(p + i + 3 * T.Count));
            }
            for (; i <= n - T.Count; i += T.Count) a0 = f.Apply(a0, T.Load(p + i));
            float* lanes = stackalloc float[WidestGroup];
            T.Store(lanes, f.Apply(f.Apply(a0, a1), f.Apply(a2, a3)));
            var total = new Lane1(lanes[0]);
            for (int j = 1; j < T.Count; j++) total = f.Apply(total, new Lane1(lanes[j]));
            for (; i < n; i++) total = f.Apply(total, new Lane1(p[i]));
            Result = total.Value;
        }
    }

    private readonly struct AddFunction : IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Apply<T>(T x, T y) where T : struct, ILanes<T> => x + y;
    }

    private readonly struct MaxFunction : IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Apply<T>(T x, T y) where T : struct, ILanes<T> => T.Max(x, y);
    }

    private readonly struct MinFunction : IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Apply<T>(T x, T y) where T : struct, ILanes<T> => T.Min(x, y);
    }
}

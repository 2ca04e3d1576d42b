using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// Softmax and log-softmax over the middle axis of contiguous data viewed as [outer, n, inner], with their
/// backward passes. The maximum is subtracted before exponentiating, so no input overflows. The common
/// case (the last axis, inner = 1) runs row by row in cache; other axes run column-vectorized.
/// </summary>
internal static unsafe class SoftmaxKernel
{
    private const int ParallelThreshold = 1 << 15;
    private const int StackColumns = 1024;
    internal const int SmallRow = 16;  // rows shorter than one Vector512 go one row per vector (ShortRows)

    /// <summary>y = softmax(x) (or log-softmax) along the middle axis.</summary>
    internal static void Forward(float* x, float* y, int outer, int n, int inner, bool log)
    {
        var plan = new Plan { X = x, Y = y, Outer = outer, N = n, Inner = inner, Log = log, Backward = false };
        Run(ref plan);
    }

    /// <summary>
    /// dx from the output y and its gradient g: softmax dx = y·(g - Σ g·y); log-softmax dx = g - e^y·Σ g.
    /// </summary>
    internal static void Backward(float* y, float* g, float* dx, int outer, int n, int inner, bool log)
    {
        var plan = new Plan { X = g, Y = y, Dx = dx, Outer = outer, N = n, Inner = inner, Log = log, Backward = true };
        Run(ref plan);
    }

    private static void Run(ref Plan plan)
    {
        long total = (long)plan.Outer * plan.N * plan.Inner;
        if (total == 0) return;
        if (total < ParallelThreshold || plan.Outer < 2 || Parallelism.Threads == 1)
        {
            plan.Rows(0, plan.Outer);
            return;
        }
        plan.Chunks = Math.Min(plan.Outer, Parallelism.Threads * 4);
        WorkerPool.For(plan.Chunks, ref plan);
    }

    /// <summary>
    /// Softmax (or log-softmax) of <paramref name="rows"/> rows of <paramref name="n"/> &lt; 16 floats (a classifier's
    /// 10 classes), each row in one Vector512: a few library calls per row cost more than such a row's arithmetic
    /// (a 128 × 10 softmax took 11 µs row by row). Needs <see cref="SimdLevel.Vector512"/>; y must not overlap x.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ShortRows(float* x, float* y, int rows, int n, bool log)
    {
        var valid = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();
        // A row's 16-float window runs on into the rows after it: they are read (ignored lanes) and written (then
        // overwritten by their own row, done later). The last rows, whose window would leave these rows, go through
        // a padded copy, so every row sees the same arithmetic.
        int direct = Math.Max(0, rows - (SmallRow + n - 1) / n + 1);
        for (int r = 0; r < direct; r++)
            ShortRow(x + (long)r * n, y + (long)r * n, n, valid, log);
        if (direct < rows)
        {
            float* bufferX = stackalloc float[SmallRow];
            float* bufferY = stackalloc float[SmallRow];
            for (int r = direct; r < rows; r++)
            {
                new ReadOnlySpan<float>(x + (long)r * n, n).CopyTo(new Span<float>(bufferX, SmallRow));
                ShortRow(bufferX, bufferY, n, valid, log);
                new ReadOnlySpan<float>(bufferY, n).CopyTo(new Span<float>(y + (long)r * n, n));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ShortRow(float* x, float* y, int n, Vector512<float> valid, bool log)
    {
        var v = Vector512.Load(x);
        // MaxNative may pass over a NaN, but then its lane's exponential makes the sum, and so the whole row, NaN.
        var m = Vector512.ConditionalSelect(valid, v, Vector512.Create(float.NegativeInfinity));
        var m256 = Vector256.MaxNative(m.GetLower(), m.GetUpper());
        var m128 = Vector128.MaxNative(m256.GetLower(), m256.GetUpper());
        m128 = Vector128.MaxNative(m128, Vector128.Shuffle(m128, Vector128.Create(2, 3, 0, 1)));
        m128 = Vector128.MaxNative(m128, Vector128.Shuffle(m128, Vector128.Create(1, 0, 3, 2)));
        float max = m128.ToScalar();
        if (float.IsNegativeInfinity(max)) max = 0f; // an all -∞ row: keep exp(x - max) defined
        var shifted = v - Vector512.Create(max);
        var e = LaneMath.Exp(new Lanes512(shifted)).Vector;
        float sum = Vector512.Sum(Vector512.ConditionalSelect(valid, e, Vector512<float>.Zero));
        if (log)
        {
            // (x - max) - log Σ, in that order: adding log Σ to a large max first would round it away.
            (shifted - Vector512.Create(MathF.Log(sum))).Store(y);
        }
        else (e * Vector512.Create(1f / sum)).Store(y);
    }

    private struct Plan : IParallelBody
    {
        public float* X, Y, Dx;
        public int Outer, N, Inner, Chunks;
        public bool Log, Backward;

        public readonly void Execute(int chunk) =>
            Rows((int)((long)Outer * chunk / Chunks), (int)((long)Outer * (chunk + 1) / Chunks));

        public readonly void Rows(int first, int last)
        {
            if (Inner == 1)
            {
                if (N < SmallRow && !Backward && Simd.Level == SimdLevel.Vector512)
                {
                    ShortRows(X + (long)first * N, Y + (long)first * N, last - first, N, Log);
                    return;
                }
                for (int o = first; o < last; o++)
                {
                    long at = (long)o * N;
                    if (Backward) BackwardRow(new(Y + at, N), new(X + at, N), new(Dx + at, N), Log);
                    else ForwardRow(new(X + at, N), new(Y + at, N), Log);
                }
                return;
            }
            // Columns: two scratch rows of Inner floats (on the stack when small).
            float[]? rented = null;
            Span<float> scratch = Inner <= StackColumns
                ? stackalloc float[2 * StackColumns]
                : (rented = ArrayPool<float>.Shared.Rent(2 * Inner));
            var a = scratch[..Inner];
            var b = scratch.Slice(Inner, Inner);
            for (int o = first; o < last; o++)
            {
                long at = (long)o * N * Inner;
                if (Backward) BackwardColumns(Y + at, X + at, Dx + at, a);
                else ForwardColumns(X + at, Y + at, a, b);
            }
            if (rented != null) ArrayPool<float>.Shared.Return(rented);
        }

        private static void ForwardRow(ReadOnlySpan<float> x, Span<float> y, bool log)
        {
            float max = TensorPrimitives.Max(x);
            if (float.IsNegativeInfinity(max)) max = 0f; // an all -∞ row: keep exp(x - max) defined
            VectorLoop.Map(new ExpOfDifference(), x, max, y);
            float sum = TensorPrimitives.Sum(y);
            if (log)
            {
                // (x - max) - log Σ, in that order: adding log Σ to a large max first would round it away.
                TensorPrimitives.Subtract(x, max, y);
                TensorPrimitives.Subtract(y, MathF.Log(sum), y);
            }
            else TensorPrimitives.Multiply(y, 1f / sum, y);
        }

        private static void BackwardRow(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dx, bool log)
        {
            if (log)
            {
                float sum = TensorPrimitives.Sum(g);
                VectorLoop.Map(new ExpFunction(), y, dx);
                TensorPrimitives.MultiplyAdd(dx, -sum, g, dx);
            }
            else
            {
                float dot = TensorPrimitives.Dot(g, y);
                TensorPrimitives.Subtract(g, dot, dx);
                TensorPrimitives.Multiply(dx, y, dx);
            }
        }

        private readonly void ForwardColumns(float* x, float* y, Span<float> max, Span<float> sum)
        {
            int inner = Inner;
            new ReadOnlySpan<float>(x, inner).CopyTo(max);
            for (int j = 1; j < N; j++) TensorPrimitives.Max(max, new ReadOnlySpan<float>(x + (long)j * inner, inner), max);
            for (int i = 0; i < inner; i++)
                if (float.IsNegativeInfinity(max[i])) max[i] = 0f;
            sum.Clear();
            for (int j = 0; j < N; j++)
            {
                var yRow = new Span<float>(y + (long)j * inner, inner);
                VectorLoop.Map(new ExpOfDifference(), new ReadOnlySpan<float>(x + (long)j * inner, inner), max, yRow);
                TensorPrimitives.Add(sum, yRow, sum);
            }
            if (Log)
            {
                // y = (x - max) - log Σ
                TensorPrimitives.Log(sum, sum);
                for (int j = 0; j < N; j++)
                {
                    var yRow = new Span<float>(y + (long)j * inner, inner);
                    TensorPrimitives.Subtract(new ReadOnlySpan<float>(x + (long)j * inner, inner), max, yRow);
                    TensorPrimitives.Subtract(yRow, sum, yRow);
                }
            }
            else
            {
                TensorPrimitives.Reciprocal(sum, sum);
                for (int j = 0; j < N; j++)
                {
                    var yRow = new Span<float>(y + (long)j * inner, inner);
                    TensorPrimitives.Multiply(yRow, sum, yRow);
                }
            }
        }

        private readonly void BackwardColumns(float* y, float* g, float* dx, Span<float> reduced)
        {
            int inner = Inner;
            reduced.Clear();
            for (int j = 0; j < N; j++)
            {
                var gRow = new ReadOnlySpan<float>(g + (long)j * inner, inner);
                if (Log) TensorPrimitives.Add(reduced, gRow, reduced);
                else TensorPrimitives.MultiplyAdd(gRow, new ReadOnlySpan<float>(y + (long)j * inner, inner), reduced, reduced);
            }
            for (int j = 0; j < N; j++)
            {
                long at = (long)j * inner;
                var yRow = new ReadOnlySpan<float>(y + at, inner);
                var gRow = new ReadOnlySpan<float>(g + at, inner);
                var dRow = new Span<float>(dx + at, inner);
                if (Log)
                {
                    // dx = g - e^y · Σg
                    VectorLoop.Map(new ExpFunction(), yRow, dRow);
                    TensorPrimitives.Multiply(dRow, reduced, dRow);
                    TensorPrimitives.Subtract(gRow, dRow, dRow);
                }
                else
                {
                    // dx = y · (g - Σ g·y)
                    TensorPrimitives.Subtract(gRow, reduced, dRow);
                    TensorPrimitives.Multiply(dRow, yRow, dRow);
                }
            }
        }
    }

    /// <summary>e^(x - m): the shifted exponential of softmax in one pass.</summary>
    private readonly struct ExpOfDifference : IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Apply<T>(T x, T m) where T : struct, ILanes<T> => LaneMath.Exp(x - m);
    }
}

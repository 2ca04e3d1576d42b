using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// y = max(x + b, 0) over rows of n floats, b added to every row, and its gradient: dx = g where y &gt; 0 (else 0)
/// and db = the column sums of dx. A Dense layer's bias and relu in one pass each way, instead of a broadcast add,
/// a relu and a reduction, each a pass over the batch. Written once over lanes; the tail runs one lane at a time.
/// </summary>
internal static unsafe class BiasRelu
{
    internal static void Forward(float* x, float* bias, float* y, int rows, int n)
    {
        var pass = new ForwardPass(x, bias, y, rows, n);
        LaneKernel.Run(ref pass);
    }

    /// <summary>dx (when not null) and db (when not null; overwritten) from the output y and its gradient g.</summary>
    internal static void Backward(float* y, float* g, float* dx, float* db, int rows, int n)
    {
        if (db != null) new Span<float>(db, n).Clear();
        var pass = new BackwardPass(y, g, dx, db, rows, n);
        LaneKernel.Run(ref pass);
    }

    private readonly struct ForwardPass(float* x, float* bias, float* y, int rows, int n) : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            for (int r = 0; r < rows; r++)
            {
                int j = Columns<T>(x + (long)r * n, bias, y + (long)r * n, 0, n);
                Columns<Lane1>(x + (long)r * n, bias, y + (long)r * n, j, n);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* x, float* bias, float* y, int j, int n) where T : struct, ILanes<T>
        {
            for (; j <= n - T.Count; j += T.Count)
                T.Store(y + j, T.Max(T.Load(x + j) + T.Load(bias + j), T.Broadcast(0f)));
            return j;
        }
    }

    private readonly struct BackwardPass(float* y, float* g, float* dx, float* db, int rows, int n) : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            for (int r = 0; r < rows; r++)
            {
                float* yr = y + (long)r * n, gr = g + (long)r * n, dr = dx == null ? null : dx + (long)r * n;
                int j = Columns<T>(yr, gr, dr, db, 0, n);
                Columns<Lane1>(yr, gr, dr, db, j, n);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* y, float* g, float* dx, float* db, int j, int n) where T : struct, ILanes<T>
        {
            for (; j <= n - T.Count; j += T.Count)
            {
                var d = T.GreaterThan(T.Load(y + j), T.Broadcast(0f)) & T.Load(g + j);
                if (dx != null) T.Store(dx + j, d);
                if (db != null) T.Store(db + j, T.Load(db + j) + d);
            }
            return j;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// y = max(x + b, 0) over rows of n floats, b added to every row, and its gradient: dx = g where y &gt; 0 (else 0)
/// and db = the column sums of dx. A Dense layer's bias and relu in one pass each way, instead of a broadcast add,
/// a relu and a reduction, each a pass over the batch. Vector and scalar lanes do exactly the same arithmetic.
/// </summary>
internal static unsafe class BiasRelu
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Forward(float* x, float* bias, float* y, int rows, int n)
    {
        bool wide = Simd.Level == SimdLevel.Vector512;
        for (int r = 0; r < rows; r++)
        {
            float* xr = x + (long)r * n, yr = y + (long)r * n;
            int j = 0;
            if (wide)
                for (; j <= n - 16; j += 16)
                    Vector512.Max(Vector512.Load(xr + j) + Vector512.Load(bias + j), Vector512<float>.Zero).Store(yr + j);
            for (; j < n; j++) yr[j] = MathF.Max(xr[j] + bias[j], 0f);
        }
    }

    /// <summary>dx (when not null) and db (when not null; overwritten) from the output y and its gradient g.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Backward(float* y, float* g, float* dx, float* db, int rows, int n)
    {
        bool wide = Simd.Level == SimdLevel.Vector512;
        if (db != null) new Span<float>(db, n).Clear();
        for (int r = 0; r < rows; r++)
        {
            float* yr = y + (long)r * n, gr = g + (long)r * n, dr = dx == null ? null : dx + (long)r * n;
            int j = 0;
            if (wide)
                for (; j <= n - 16; j += 16)
                {
                    var d = Vector512.GreaterThan(Vector512.Load(yr + j), Vector512<float>.Zero) & Vector512.Load(gr + j);
                    if (dr != null) d.Store(dr + j);
                    if (db != null) (Vector512.Load(db + j) + d).Store(db + j);
                }
            for (; j < n; j++)
            {
                float d = yr[j] > 0f ? gr[j] : 0f;
                if (dr != null) dr[j] = d;
                if (db != null) db[j] += d;
            }
        }
    }
}

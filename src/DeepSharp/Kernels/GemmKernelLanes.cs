using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The micro-kernel of the narrower widths, written once over lanes: a 6 × (2 lane groups) tile of C in 12
/// accumulators, which with two B groups and one broadcast fits the 16 registers of x86 without AVX-512
/// (6×16 with <see cref="Lanes256"/>, 6×8 with <see cref="Lanes128"/>; ARM NEON has 32).
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct GemmKernelLanes<T> : IGemmMicroKernel where T : struct, ILanes<T>
{
    private const int WidestTile = 6 * 2 * 8;

    public static int Rows => 6;

    public static int Columns => 2 * T.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, nint aStep, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        float* edge = stackalloc float[WidestTile];
        Tile(kc, a, rowStep: 1, kStep: aStep, b, bStep, c, ldc, rows, columns, add, edge);
    }

    public static bool ReadsRowMajor(int rows) => rows == 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorA(int kc, float* a, nint lda, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        float* edge = stackalloc float[WidestTile];
        Tile(kc, a, rowStep: lda, kStep: 1, b, bStep, c, ldc, rows, columns, add, edge);
    }

    /// <summary>
    /// The tile with A's element (r, p) at <c>a[r·rowStep + p·kStep]</c>: a packed panel (rowStep 1) or a
    /// row-major A read in place (kStep 1); inlined into each, so the packed panel's offsets are constants. An
    /// edge tile goes through <paramref name="edge"/> (the callers' stack: a method with stackalloc is never inlined).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(int kc, float* a, nint rowStep, nint kStep, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add, float* edge)
    {
        float* a0 = a, a3 = a + 3 * rowStep;
        nint rowStep2 = 2 * rowStep;
        T c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = T.Load(b);
            var b1 = T.Load(b + T.Count);
            T x;
            x = T.Broadcast(a0[0]);
            c00 = T.MultiplyAdd(x, b0, c00);
            c01 = T.MultiplyAdd(x, b1, c01);
            x = T.Broadcast(a0[rowStep]);
            c10 = T.MultiplyAdd(x, b0, c10);
            c11 = T.MultiplyAdd(x, b1, c11);
            x = T.Broadcast(a0[rowStep2]);
            c20 = T.MultiplyAdd(x, b0, c20);
            c21 = T.MultiplyAdd(x, b1, c21);
            x = T.Broadcast(a3[0]);
            c30 = T.MultiplyAdd(x, b0, c30);
            c31 = T.MultiplyAdd(x, b1, c31);
            x = T.Broadcast(a3[rowStep]);
            c40 = T.MultiplyAdd(x, b0, c40);
            c41 = T.MultiplyAdd(x, b1, c41);
            x = T.Broadcast(a3[rowStep2]);
            c50 = T.MultiplyAdd(x, b0, c50);
            c51 = T.MultiplyAdd(x, b1, c51);
            a0 += kStep;
            a3 += kStep;
            b += bStep;
        }
        if (rows == 6 && columns == 2 * T.Count)
        {
            Put(c, add, c00, c01);
            Put(c + 1 * ldc, add, c10, c11);
            Put(c + 2 * ldc, add, c20, c21);
            Put(c + 3 * ldc, add, c30, c31);
            Put(c + 4 * ldc, add, c40, c41);
            Put(c + 5 * ldc, add, c50, c51);
            return;
        }
        float* t = edge;
        Put(t, false, c00, c01);
        Put(t + 1 * Columns, false, c10, c11);
        Put(t + 2 * Columns, false, c20, c21);
        Put(t + 3 * Columns, false, c30, c31);
        Put(t + 4 * Columns, false, c40, c41);
        Put(t + 5 * Columns, false, c50, c51);
        GemmTile.CopyPartial(t, Columns, c, ldc, rows, columns, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, bool add, T x0, T x1)
    {
        if (add)
        {
            x0 += T.Load(c);
            x1 += T.Load(c + T.Count);
        }
        T.Store(c, x0);
        T.Store(c + T.Count, x1);
    }
}

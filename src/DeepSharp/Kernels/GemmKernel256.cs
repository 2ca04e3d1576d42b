using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// AVX2 micro-kernel: a 6×16 tile of C in 12 ymm accumulators, which with two B vectors and one broadcast
/// fits the 16 ymm registers of a machine without AVX-512.
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct GemmKernel256 : IGemmMicroKernel
{
    private const int Tile = 6 * 16;

    public static int Rows => 6;

    public static int Columns => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, nint aStep, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += aStep;
            b += bStep;
        }
        if (rows == 6 && columns == 16)
        {
            Put(c, add, c00, c01);
            Put(c + 1 * ldc, add, c10, c11);
            Put(c + 2 * ldc, add, c20, c21);
            Put(c + 3 * ldc, add, c30, c31);
            Put(c + 4 * ldc, add, c40, c41);
            Put(c + 5 * ldc, add, c50, c51);
            return;
        }
        float* t = stackalloc float[Tile];
        Put(t, false, c00, c01);
        Put(t + 16, false, c10, c11);
        Put(t + 32, false, c20, c21);
        Put(t + 48, false, c30, c31);
        Put(t + 64, false, c40, c41);
        Put(t + 80, false, c50, c51);
        GemmTile.CopyPartial(t, 16, c, ldc, rows, columns, add);
    }

    public static bool ReadsRowMajor(int rows) => rows == 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorA(int kc, float* a, nint lda, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        float* a0 = a, a3 = a + 3 * lda;
        nint lda2 = 2 * lda;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a0[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a0[lda]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a0[lda2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[0]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a3[lda]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a3[lda2]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a0++;
            a3++;
            b += bStep;
        }
        if (columns == 16)
        {
            Put(c, add, c00, c01);
            Put(c + 1 * ldc, add, c10, c11);
            Put(c + 2 * ldc, add, c20, c21);
            Put(c + 3 * ldc, add, c30, c31);
            Put(c + 4 * ldc, add, c40, c41);
            Put(c + 5 * ldc, add, c50, c51);
            return;
        }
        float* t = stackalloc float[Tile];
        Put(t, false, c00, c01);
        Put(t + 16, false, c10, c11);
        Put(t + 32, false, c20, c21);
        Put(t + 48, false, c30, c31);
        Put(t + 64, false, c40, c41);
        Put(t + 80, false, c50, c51);
        GemmTile.CopyPartial(t, 16, c, ldc, rows, columns, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, bool add, Vector256<float> x0, Vector256<float> x1)
    {
        if (add)
        {
            x0 += Vector256.Load(c);
            x1 += Vector256.Load(c + 8);
        }
        x0.Store(c);
        x1.Store(c + 8);
    }
}

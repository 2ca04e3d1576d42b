using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm accumulators. Each k step loads two B vectors and
/// broadcasts twelve A values, feeding 24 independent FMAs, enough to cover the FMA latency on both ports;
/// 27 of the 32 zmm registers are live.
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct GemmKernel512 : IGemmMicroKernel
{
    private const int Tile = 12 * 32;

    public static int Rows => 12;

    public static int Columns => 32;

    public static void Run(int kc, float* a, nint aStep, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
            a += aStep;
            b += bStep;
        }
        if (rows == 12 && columns == 32)
        {
            Put(c, add, c00, c01);
            Put(c + 1 * ldc, add, c10, c11);
            Put(c + 2 * ldc, add, c20, c21);
            Put(c + 3 * ldc, add, c30, c31);
            Put(c + 4 * ldc, add, c40, c41);
            Put(c + 5 * ldc, add, c50, c51);
            Put(c + 6 * ldc, add, c60, c61);
            Put(c + 7 * ldc, add, c70, c71);
            Put(c + 8 * ldc, add, c80, c81);
            Put(c + 9 * ldc, add, c90, c91);
            Put(c + 10 * ldc, add, c100, c101);
            Put(c + 11 * ldc, add, c110, c111);
            return;
        }
        float* t = stackalloc float[Tile];
        Put(t, false, c00, c01);
        Put(t + 32, false, c10, c11);
        Put(t + 64, false, c20, c21);
        Put(t + 96, false, c30, c31);
        Put(t + 128, false, c40, c41);
        Put(t + 160, false, c50, c51);
        Put(t + 192, false, c60, c61);
        Put(t + 224, false, c70, c71);
        Put(t + 256, false, c80, c81);
        Put(t + 288, false, c90, c91);
        Put(t + 320, false, c100, c101);
        Put(t + 352, false, c110, c111);
        GemmTile.CopyPartial(t, 32, c, ldc, rows, columns, add);
    }

    public static void RunRowMajorA(int kc, float* a, nint lda, float* b, nint bStep,
        float* c, nint ldc, int columns, bool add)
    {
        const int rows = 12;
        // Four row pointers and two scaled strides reach all twelve rows with base + index·scale addresses.
        float* a0 = a, a3 = a + 3 * lda, a6 = a + 6 * lda, a9 = a + 9 * lda;
        nint lda2 = 2 * lda;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a0[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a0[lda]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a0[lda2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[0]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a3[lda]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a3[lda2]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[0]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a6[lda]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a6[lda2]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a9[0]);
            c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a9[lda]);
            c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a9[lda2]);
            c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
            a0++;
            a3++;
            a6++;
            a9++;
            b += bStep;
        }
        if (columns == 32)
        {
            Put(c, add, c00, c01);
            Put(c + 1 * ldc, add, c10, c11);
            Put(c + 2 * ldc, add, c20, c21);
            Put(c + 3 * ldc, add, c30, c31);
            Put(c + 4 * ldc, add, c40, c41);
            Put(c + 5 * ldc, add, c50, c51);
            Put(c + 6 * ldc, add, c60, c61);
            Put(c + 7 * ldc, add, c70, c71);
            Put(c + 8 * ldc, add, c80, c81);
            Put(c + 9 * ldc, add, c90, c91);
            Put(c + 10 * ldc, add, c100, c101);
            Put(c + 11 * ldc, add, c110, c111);
            return;
        }
        float* t = stackalloc float[Tile];
        Put(t, false, c00, c01);
        Put(t + 32, false, c10, c11);
        Put(t + 64, false, c20, c21);
        Put(t + 96, false, c30, c31);
        Put(t + 128, false, c40, c41);
        Put(t + 160, false, c50, c51);
        Put(t + 192, false, c60, c61);
        Put(t + 224, false, c70, c71);
        Put(t + 256, false, c80, c81);
        Put(t + 288, false, c90, c91);
        Put(t + 320, false, c100, c101);
        Put(t + 352, false, c110, c111);
        GemmTile.CopyPartial(t, 32, c, ldc, rows, columns, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, bool add, Vector512<float> x0, Vector512<float> x1)
    {
        if (add)
        {
            x0 += Vector512.Load(c);
            x1 += Vector512.Load(c + 16);
        }
        x0.Store(c);
        x1.Store(c + 16);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm accumulators. Each k step loads two B vectors and
/// broadcasts twelve A values into 24 independent FMAs, enough to keep both FMA ports busy through the FMA
/// latency; 27 of the 32 zmm registers are live. Edge tiles use the same loop with fewer rows (8, 4) or one
/// B vector (16 columns), so a 32-row or 10-column product does not pay for a whole 12×32 tile; a row-major A
/// is read in place by 12-, 8- and 4-row tiles (m = 32, 128, 1024 and 3872 all end in 8 or 4 rows).
/// The tiles are written out one by one (rather than generated from one generic body) so that the JIT's
/// register allocator sees plain locals it can keep in zmm registers.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmMicroKernel
{
    public static int Rows => 12;

    public static int Columns => 32;

    public static void Run(int kc, float* a, nint aStep, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        if (columns > 16)
        {
            if (rows > 8) Tile12x32(kc, a, aStep, b, bStep, c, ldc, rows, columns, add);
            else if (rows > 4) Tile8x32(kc, a, aStep, b, bStep, c, ldc, rows, columns, add);
            else Tile4x32(kc, a, aStep, b, bStep, c, ldc, rows, columns, add);
        }
        else
        {
            if (rows > 8) Tile12x16(kc, a, aStep, b, bStep, c, ldc, rows, columns, add);
            else if (rows > 4) Tile8x16(kc, a, aStep, b, bStep, c, ldc, rows, columns, add);
            else Tile4x16(kc, a, aStep, b, bStep, c, ldc, rows, columns, add);
        }
    }

    public static bool ReadsRowMajor(int rows) => rows is 12 or 8 or 4;

    public static void RunRowMajorA(int kc, float* a, nint lda, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        if (columns > 16)
        {
            if (rows == 12) RowMajor12x32(kc, a, lda, b, bStep, c, ldc, columns, add);
            else if (rows == 8) RowMajor8x32(kc, a, lda, b, bStep, c, ldc, columns, add);
            else RowMajor4x32(kc, a, lda, b, bStep, c, ldc, columns, add);
        }
        else
        {
            if (rows == 12) RowMajor12x16(kc, a, lda, b, bStep, c, ldc, columns, add);
            else if (rows == 8) RowMajor8x16(kc, a, lda, b, bStep, c, ldc, columns, add);
            else RowMajor4x16(kc, a, lda, b, bStep, c, ldc, columns, add);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile12x32(int kc, float* a, nint aStep, float* b, nint bStep, float* c, nint ldc, int rows, int columns, bool add)
    {
        PrefetchTile(c, ldc, 12);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]); c100 = Vector512.FusedMultiplyAdd(x, b0, c100); c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a[11]); c110 = Vector512.FusedMultiplyAdd(x, b0, c110); c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
            a += aStep;
            b += bStep;
        }
        if (rows == 12 && columns == 32)
        {
            Put2(c, add, c00, c01);
            Put2(c + 1 * ldc, add, c10, c11);
            Put2(c + 2 * ldc, add, c20, c21);
            Put2(c + 3 * ldc, add, c30, c31);
            Put2(c + 4 * ldc, add, c40, c41);
            Put2(c + 5 * ldc, add, c50, c51);
            Put2(c + 6 * ldc, add, c60, c61);
            Put2(c + 7 * ldc, add, c70, c71);
            Put2(c + 8 * ldc, add, c80, c81);
            Put2(c + 9 * ldc, add, c90, c91);
            Put2(c + 10 * ldc, add, c100, c101);
            Put2(c + 11 * ldc, add, c110, c111);
            return;
        }
        var m0 = ColumnMask(columns); var m1 = ColumnMask(columns - 16);
        PutMasked2(c, add, c00, c01, m0, m1);
        if (rows > 1) PutMasked2(c + 1 * ldc, add, c10, c11, m0, m1);
        if (rows > 2) PutMasked2(c + 2 * ldc, add, c20, c21, m0, m1);
        if (rows > 3) PutMasked2(c + 3 * ldc, add, c30, c31, m0, m1);
        if (rows > 4) PutMasked2(c + 4 * ldc, add, c40, c41, m0, m1);
        if (rows > 5) PutMasked2(c + 5 * ldc, add, c50, c51, m0, m1);
        if (rows > 6) PutMasked2(c + 6 * ldc, add, c60, c61, m0, m1);
        if (rows > 7) PutMasked2(c + 7 * ldc, add, c70, c71, m0, m1);
        if (rows > 8) PutMasked2(c + 8 * ldc, add, c80, c81, m0, m1);
        if (rows > 9) PutMasked2(c + 9 * ldc, add, c90, c91, m0, m1);
        if (rows > 10) PutMasked2(c + 10 * ldc, add, c100, c101, m0, m1);
        if (rows > 11) PutMasked2(c + 11 * ldc, add, c110, c111, m0, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowMajor12x32(int kc, float* a, nint lda, float* b, nint bStep, float* c, nint ldc, int columns, bool add)
    {
        const int rows = 12;
        PrefetchTile(c, ldc, rows);
        float* a0 = a, a3 = a + 3 * lda, a6 = a + 6 * lda, a9 = a + 9 * lda;
        nint lda2 = 2 * lda;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a0[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a0[lda]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a0[lda2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[0]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a3[lda]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a3[lda2]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[0]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a6[lda]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a6[lda2]); c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a9[0]); c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a9[lda]); c100 = Vector512.FusedMultiplyAdd(x, b0, c100); c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a9[lda2]); c110 = Vector512.FusedMultiplyAdd(x, b0, c110); c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
            a0++;
            a3++;
            a6++;
            a9++;
            b += bStep;
        }
        if (columns == 32)
        {
            Put2(c, add, c00, c01);
            Put2(c + 1 * ldc, add, c10, c11);
            Put2(c + 2 * ldc, add, c20, c21);
            Put2(c + 3 * ldc, add, c30, c31);
            Put2(c + 4 * ldc, add, c40, c41);
            Put2(c + 5 * ldc, add, c50, c51);
            Put2(c + 6 * ldc, add, c60, c61);
            Put2(c + 7 * ldc, add, c70, c71);
            Put2(c + 8 * ldc, add, c80, c81);
            Put2(c + 9 * ldc, add, c90, c91);
            Put2(c + 10 * ldc, add, c100, c101);
            Put2(c + 11 * ldc, add, c110, c111);
            return;
        }
        var m0 = ColumnMask(columns); var m1 = ColumnMask(columns - 16);
        PutMasked2(c, add, c00, c01, m0, m1);
        if (rows > 1) PutMasked2(c + 1 * ldc, add, c10, c11, m0, m1);
        if (rows > 2) PutMasked2(c + 2 * ldc, add, c20, c21, m0, m1);
        if (rows > 3) PutMasked2(c + 3 * ldc, add, c30, c31, m0, m1);
        if (rows > 4) PutMasked2(c + 4 * ldc, add, c40, c41, m0, m1);
        if (rows > 5) PutMasked2(c + 5 * ldc, add, c50, c51, m0, m1);
        if (rows > 6) PutMasked2(c + 6 * ldc, add, c60, c61, m0, m1);
        if (rows > 7) PutMasked2(c + 7 * ldc, add, c70, c71, m0, m1);
        if (rows > 8) PutMasked2(c + 8 * ldc, add, c80, c81, m0, m1);
        if (rows > 9) PutMasked2(c + 9 * ldc, add, c90, c91, m0, m1);
        if (rows > 10) PutMasked2(c + 10 * ldc, add, c100, c101, m0, m1);
        if (rows > 11) PutMasked2(c + 11 * ldc, add, c110, c111, m0, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(int kc, float* a, nint aStep, float* b, nint bStep, float* c, nint ldc, int rows, int columns, bool add)
    {
        PrefetchTile(c, ldc, 8);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += aStep;
            b += bStep;
        }
        if (rows == 8 && columns == 32)
        {
            Put2(c, add, c00, c01);
            Put2(c + 1 * ldc, add, c10, c11);
            Put2(c + 2 * ldc, add, c20, c21);
            Put2(c + 3 * ldc, add, c30, c31);
            Put2(c + 4 * ldc, add, c40, c41);
            Put2(c + 5 * ldc, add, c50, c51);
            Put2(c + 6 * ldc, add, c60, c61);
            Put2(c + 7 * ldc, add, c70, c71);
            return;
        }
        var m0 = ColumnMask(columns); var m1 = ColumnMask(columns - 16);
        PutMasked2(c, add, c00, c01, m0, m1);
        if (rows > 1) PutMasked2(c + 1 * ldc, add, c10, c11, m0, m1);
        if (rows > 2) PutMasked2(c + 2 * ldc, add, c20, c21, m0, m1);
        if (rows > 3) PutMasked2(c + 3 * ldc, add, c30, c31, m0, m1);
        if (rows > 4) PutMasked2(c + 4 * ldc, add, c40, c41, m0, m1);
        if (rows > 5) PutMasked2(c + 5 * ldc, add, c50, c51, m0, m1);
        if (rows > 6) PutMasked2(c + 6 * ldc, add, c60, c61, m0, m1);
        if (rows > 7) PutMasked2(c + 7 * ldc, add, c70, c71, m0, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowMajor8x32(int kc, float* a, nint lda, float* b, nint bStep, float* c, nint ldc, int columns, bool add)
    {
        const int rows = 8;
        PrefetchTile(c, ldc, rows);
        float* a0 = a, a3 = a + 3 * lda, a6 = a + 6 * lda;
        nint lda2 = 2 * lda;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a0[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a0[lda]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a0[lda2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[0]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a3[lda]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a3[lda2]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[0]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a6[lda]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a0++;
            a3++;
            a6++;
            b += bStep;
        }
        if (columns == 32)
        {
            Put2(c, add, c00, c01);
            Put2(c + 1 * ldc, add, c10, c11);
            Put2(c + 2 * ldc, add, c20, c21);
            Put2(c + 3 * ldc, add, c30, c31);
            Put2(c + 4 * ldc, add, c40, c41);
            Put2(c + 5 * ldc, add, c50, c51);
            Put2(c + 6 * ldc, add, c60, c61);
            Put2(c + 7 * ldc, add, c70, c71);
            return;
        }
        var m0 = ColumnMask(columns); var m1 = ColumnMask(columns - 16);
        PutMasked2(c, add, c00, c01, m0, m1);
        if (rows > 1) PutMasked2(c + 1 * ldc, add, c10, c11, m0, m1);
        if (rows > 2) PutMasked2(c + 2 * ldc, add, c20, c21, m0, m1);
        if (rows > 3) PutMasked2(c + 3 * ldc, add, c30, c31, m0, m1);
        if (rows > 4) PutMasked2(c + 4 * ldc, add, c40, c41, m0, m1);
        if (rows > 5) PutMasked2(c + 5 * ldc, add, c50, c51, m0, m1);
        if (rows > 6) PutMasked2(c + 6 * ldc, add, c60, c61, m0, m1);
        if (rows > 7) PutMasked2(c + 7 * ldc, add, c70, c71, m0, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x32(int kc, float* a, nint aStep, float* b, nint bStep, float* c, nint ldc, int rows, int columns, bool add)
    {
        PrefetchTile(c, ldc, 4);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            a += aStep;
            b += bStep;
        }
        if (rows == 4 && columns == 32)
        {
            Put2(c, add, c00, c01);
            Put2(c + 1 * ldc, add, c10, c11);
            Put2(c + 2 * ldc, add, c20, c21);
            Put2(c + 3 * ldc, add, c30, c31);
            return;
        }
        var m0 = ColumnMask(columns); var m1 = ColumnMask(columns - 16);
        PutMasked2(c, add, c00, c01, m0, m1);
        if (rows > 1) PutMasked2(c + 1 * ldc, add, c10, c11, m0, m1);
        if (rows > 2) PutMasked2(c + 2 * ldc, add, c20, c21, m0, m1);
        if (rows > 3) PutMasked2(c + 3 * ldc, add, c30, c31, m0, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowMajor4x32(int kc, float* a, nint lda, float* b, nint bStep, float* c, nint ldc, int columns, bool add)
    {
        const int rows = 4;
        PrefetchTile(c, ldc, rows);
        float* a0 = a, a3 = a + 3 * lda;
        nint lda2 = 2 * lda;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a0[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a0[lda]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a0[lda2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[0]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            a0++;
            a3++;
            b += bStep;
        }
        if (columns == 32)
        {
            Put2(c, add, c00, c01);
            Put2(c + 1 * ldc, add, c10, c11);
            Put2(c + 2 * ldc, add, c20, c21);
            Put2(c + 3 * ldc, add, c30, c31);
            return;
        }
        var m0 = ColumnMask(columns); var m1 = ColumnMask(columns - 16);
        PutMasked2(c, add, c00, c01, m0, m1);
        if (rows > 1) PutMasked2(c + 1 * ldc, add, c10, c11, m0, m1);
        if (rows > 2) PutMasked2(c + 2 * ldc, add, c20, c21, m0, m1);
        if (rows > 3) PutMasked2(c + 3 * ldc, add, c30, c31, m0, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile12x16(int kc, float* a, nint aStep, float* b, nint bStep, float* c, nint ldc, int rows, int columns, bool add)
    {
        PrefetchTile(c, ldc, 12);
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default, c80 = default, c90 = default, c100 = default, c110 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            x = Vector512.Create(a[8]); c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            x = Vector512.Create(a[9]); c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
            x = Vector512.Create(a[10]); c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
            x = Vector512.Create(a[11]); c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
            a += aStep;
            b += bStep;
        }
        if (rows == 12 && columns == 16)
        {
            Put1(c, add, c00);
            Put1(c + 1 * ldc, add, c10);
            Put1(c + 2 * ldc, add, c20);
            Put1(c + 3 * ldc, add, c30);
            Put1(c + 4 * ldc, add, c40);
            Put1(c + 5 * ldc, add, c50);
            Put1(c + 6 * ldc, add, c60);
            Put1(c + 7 * ldc, add, c70);
            Put1(c + 8 * ldc, add, c80);
            Put1(c + 9 * ldc, add, c90);
            Put1(c + 10 * ldc, add, c100);
            Put1(c + 11 * ldc, add, c110);
            return;
        }
        var m0 = ColumnMask(columns);
        PutMasked1(c, add, c00, m0);
        if (rows > 1) PutMasked1(c + 1 * ldc, add, c10, m0);
        if (rows > 2) PutMasked1(c + 2 * ldc, add, c20, m0);
        if (rows > 3) PutMasked1(c + 3 * ldc, add, c30, m0);
        if (rows > 4) PutMasked1(c + 4 * ldc, add, c40, m0);
        if (rows > 5) PutMasked1(c + 5 * ldc, add, c50, m0);
        if (rows > 6) PutMasked1(c + 6 * ldc, add, c60, m0);
        if (rows > 7) PutMasked1(c + 7 * ldc, add, c70, m0);
        if (rows > 8) PutMasked1(c + 8 * ldc, add, c80, m0);
        if (rows > 9) PutMasked1(c + 9 * ldc, add, c90, m0);
        if (rows > 10) PutMasked1(c + 10 * ldc, add, c100, m0);
        if (rows > 11) PutMasked1(c + 11 * ldc, add, c110, m0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowMajor12x16(int kc, float* a, nint lda, float* b, nint bStep, float* c, nint ldc, int columns, bool add)
    {
        const int rows = 12;
        PrefetchTile(c, ldc, rows);
        float* a0 = a, a3 = a + 3 * lda, a6 = a + 6 * lda, a9 = a + 9 * lda;
        nint lda2 = 2 * lda;
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default, c80 = default, c90 = default, c100 = default, c110 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            Vector512<float> x;
            x = Vector512.Create(a0[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            x = Vector512.Create(a0[lda]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            x = Vector512.Create(a0[lda2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            x = Vector512.Create(a3[0]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            x = Vector512.Create(a3[lda]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            x = Vector512.Create(a3[lda2]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            x = Vector512.Create(a6[0]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            x = Vector512.Create(a6[lda]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            x = Vector512.Create(a6[lda2]); c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            x = Vector512.Create(a9[0]); c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
            x = Vector512.Create(a9[lda]); c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
            x = Vector512.Create(a9[lda2]); c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
            a0++;
            a3++;
            a6++;
            a9++;
            b += bStep;
        }
        if (columns == 16)
        {
            Put1(c, add, c00);
            Put1(c + 1 * ldc, add, c10);
            Put1(c + 2 * ldc, add, c20);
            Put1(c + 3 * ldc, add, c30);
            Put1(c + 4 * ldc, add, c40);
            Put1(c + 5 * ldc, add, c50);
            Put1(c + 6 * ldc, add, c60);
            Put1(c + 7 * ldc, add, c70);
            Put1(c + 8 * ldc, add, c80);
            Put1(c + 9 * ldc, add, c90);
            Put1(c + 10 * ldc, add, c100);
            Put1(c + 11 * ldc, add, c110);
            return;
        }
        var m0 = ColumnMask(columns);
        PutMasked1(c, add, c00, m0);
        if (rows > 1) PutMasked1(c + 1 * ldc, add, c10, m0);
        if (rows > 2) PutMasked1(c + 2 * ldc, add, c20, m0);
        if (rows > 3) PutMasked1(c + 3 * ldc, add, c30, m0);
        if (rows > 4) PutMasked1(c + 4 * ldc, add, c40, m0);
        if (rows > 5) PutMasked1(c + 5 * ldc, add, c50, m0);
        if (rows > 6) PutMasked1(c + 6 * ldc, add, c60, m0);
        if (rows > 7) PutMasked1(c + 7 * ldc, add, c70, m0);
        if (rows > 8) PutMasked1(c + 8 * ldc, add, c80, m0);
        if (rows > 9) PutMasked1(c + 9 * ldc, add, c90, m0);
        if (rows > 10) PutMasked1(c + 10 * ldc, add, c100, m0);
        if (rows > 11) PutMasked1(c + 11 * ldc, add, c110, m0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x16(int kc, float* a, nint aStep, float* b, nint bStep, float* c, nint ldc, int rows, int columns, bool add)
    {
        PrefetchTile(c, ldc, 8);
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            a += aStep;
            b += bStep;
        }
        if (rows == 8 && columns == 16)
        {
            Put1(c, add, c00);
            Put1(c + 1 * ldc, add, c10);
            Put1(c + 2 * ldc, add, c20);
            Put1(c + 3 * ldc, add, c30);
            Put1(c + 4 * ldc, add, c40);
            Put1(c + 5 * ldc, add, c50);
            Put1(c + 6 * ldc, add, c60);
            Put1(c + 7 * ldc, add, c70);
            return;
        }
        var m0 = ColumnMask(columns);
        PutMasked1(c, add, c00, m0);
        if (rows > 1) PutMasked1(c + 1 * ldc, add, c10, m0);
        if (rows > 2) PutMasked1(c + 2 * ldc, add, c20, m0);
        if (rows > 3) PutMasked1(c + 3 * ldc, add, c30, m0);
        if (rows > 4) PutMasked1(c + 4 * ldc, add, c40, m0);
        if (rows > 5) PutMasked1(c + 5 * ldc, add, c50, m0);
        if (rows > 6) PutMasked1(c + 6 * ldc, add, c60, m0);
        if (rows > 7) PutMasked1(c + 7 * ldc, add, c70, m0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowMajor8x16(int kc, float* a, nint lda, float* b, nint bStep, float* c, nint ldc, int columns, bool add)
    {
        const int rows = 8;
        PrefetchTile(c, ldc, rows);
        float* a0 = a, a3 = a + 3 * lda, a6 = a + 6 * lda;
        nint lda2 = 2 * lda;
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            Vector512<float> x;
            x = Vector512.Create(a0[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            x = Vector512.Create(a0[lda]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            x = Vector512.Create(a0[lda2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            x = Vector512.Create(a3[0]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            x = Vector512.Create(a3[lda]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            x = Vector512.Create(a3[lda2]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            x = Vector512.Create(a6[0]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            x = Vector512.Create(a6[lda]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            a0++;
            a3++;
            a6++;
            b += bStep;
        }
        if (columns == 16)
        {
            Put1(c, add, c00);
            Put1(c + 1 * ldc, add, c10);
            Put1(c + 2 * ldc, add, c20);
            Put1(c + 3 * ldc, add, c30);
            Put1(c + 4 * ldc, add, c40);
            Put1(c + 5 * ldc, add, c50);
            Put1(c + 6 * ldc, add, c60);
            Put1(c + 7 * ldc, add, c70);
            return;
        }
        var m0 = ColumnMask(columns);
        PutMasked1(c, add, c00, m0);
        if (rows > 1) PutMasked1(c + 1 * ldc, add, c10, m0);
        if (rows > 2) PutMasked1(c + 2 * ldc, add, c20, m0);
        if (rows > 3) PutMasked1(c + 3 * ldc, add, c30, m0);
        if (rows > 4) PutMasked1(c + 4 * ldc, add, c40, m0);
        if (rows > 5) PutMasked1(c + 5 * ldc, add, c50, m0);
        if (rows > 6) PutMasked1(c + 6 * ldc, add, c60, m0);
        if (rows > 7) PutMasked1(c + 7 * ldc, add, c70, m0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x16(int kc, float* a, nint aStep, float* b, nint bStep, float* c, nint ldc, int rows, int columns, bool add)
    {
        PrefetchTile(c, ldc, 4);
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            a += aStep;
            b += bStep;
        }
        if (rows == 4 && columns == 16)
        {
            Put1(c, add, c00);
            Put1(c + 1 * ldc, add, c10);
            Put1(c + 2 * ldc, add, c20);
            Put1(c + 3 * ldc, add, c30);
            return;
        }
        var m0 = ColumnMask(columns);
        PutMasked1(c, add, c00, m0);
        if (rows > 1) PutMasked1(c + 1 * ldc, add, c10, m0);
        if (rows > 2) PutMasked1(c + 2 * ldc, add, c20, m0);
        if (rows > 3) PutMasked1(c + 3 * ldc, add, c30, m0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowMajor4x16(int kc, float* a, nint lda, float* b, nint bStep, float* c, nint ldc, int columns, bool add)
    {
        const int rows = 4;
        PrefetchTile(c, ldc, rows);
        float* a0 = a, a3 = a + 3 * lda;
        nint lda2 = 2 * lda;
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            Vector512<float> x;
            x = Vector512.Create(a0[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            x = Vector512.Create(a0[lda]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            x = Vector512.Create(a0[lda2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            x = Vector512.Create(a3[0]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            a0++;
            a3++;
            b += bStep;
        }
        if (columns == 16)
        {
            Put1(c, add, c00);
            Put1(c + 1 * ldc, add, c10);
            Put1(c + 2 * ldc, add, c20);
            Put1(c + 3 * ldc, add, c30);
            return;
        }
        var m0 = ColumnMask(columns);
        PutMasked1(c, add, c00, m0);
        if (rows > 1) PutMasked1(c + 1 * ldc, add, c10, m0);
        if (rows > 2) PutMasked1(c + 2 * ldc, add, c20, m0);
        if (rows > 3) PutMasked1(c + 3 * ldc, add, c30, m0);
    }

    /// <summary>
    /// C is touched only after the k loop; asking for its lines now keeps the final load/add/store from
    /// stalling on them (C rarely stays in cache between the k blocks of a large product).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, nint ldc, int rows)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 31);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put2(float* c, bool add, Vector512<float> x0, Vector512<float> x1)
    {
        if (add)
        {
            x0 += Vector512.Load(c);
            x1 += Vector512.Load(c + 16);
        }
        x0.Store(c);
        x1.Store(c + 16);
    }

    /// <summary>Lanes below <paramref name="columns"/> set: edge tiles write (and read) only the columns C has.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ColumnMask(int columns) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutMasked2(float* c, bool add, Vector512<float> x0, Vector512<float> x1, Vector512<float> m0, Vector512<float> m1)
    {
        if (add)
        {
            x0 += Avx512F.MaskLoad(c, m0, Vector512<float>.Zero);
            x1 += Avx512F.MaskLoad(c + 16, m1, Vector512<float>.Zero);
        }
        Avx512F.MaskStore(c, m0, x0);
        Avx512F.MaskStore(c + 16, m1, x1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PutMasked1(float* c, bool add, Vector512<float> x0, Vector512<float> m0)
    {
        if (add) x0 += Avx512F.MaskLoad(c, m0, Vector512<float>.Zero);
        Avx512F.MaskStore(c, m0, x0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Put1(float* c, bool add, Vector512<float> x0)
    {
        if (add) x0 += Vector512.Load(c);
        x0.Store(c);
    }
}

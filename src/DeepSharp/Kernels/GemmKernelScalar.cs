using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Portable micro-kernel for machines without usable vector units: a 4×4 tile of C in scalar registers.
/// Multiply and add stay separate instructions (the JIT never fuses them), so results do not depend on tiering.
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct GemmKernelScalar : IGemmMicroKernel
{
    private const int Tile = 4 * 4;

    public static int Rows => 4;

    public static int Columns => 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, nint aStep, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float x0 = a[0];
            c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
            float x1 = a[1];
            c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
            float x2 = a[2];
            c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
            float x3 = a[3];
            c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
            a += aStep;
            b += bStep;
        }
        float* t = stackalloc float[Tile];
        t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
        t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
        t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
        t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
        GemmTile.CopyPartial(t, 4, c, ldc, rows, columns, add);
    }

    public static bool ReadsRowMajor(int rows) => rows == 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorA(int kc, float* a, nint lda, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float x0 = a[0];
            c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
            float x1 = a[1 * lda];
            c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
            float x2 = a[2 * lda];
            c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
            float x3 = a[3 * lda];
            c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
            a++;
            b += bStep;
        }
        float* t = stackalloc float[Tile];
        t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
        t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
        t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
        t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
        GemmTile.CopyPartial(t, 4, c, ldc, rows, columns, add);
    }
}

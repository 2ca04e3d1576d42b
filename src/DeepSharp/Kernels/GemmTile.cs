using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>Moves a tile computed into scratch memory to its place in C.</summary>
internal static unsafe class GemmTile
{
    /// <summary>c[r·ldc + j] (+)= tile[r·tileColumns + j]: the valid corner of an edge tile, for kernels without masked stores.</summary>
    internal static void CopyPartial(float* tile, int tileColumns, float* c, nint ldc, int rows, int columns, bool add)
    {
        for (int r = 0; r < rows; r++)
        {
            float* source = tile + r * tileColumns;
            float* target = c + r * ldc;
            if (add) for (int j = 0; j < columns; j++) target[j] += source[j];
            else for (int j = 0; j < columns; j++) target[j] = source[j];
        }
    }

    /// <summary>
    /// c[j·ldc + r] (+)= tile[r·tileColumns + j]: a tile of Cᵀ written into C, 8×8 (and 4×4) blocks
    /// transposed in registers, for products computed the other way round (see <see cref="GemmDriver{TKernel}"/>).
    /// </summary>
    internal static void AddTransposed(float* tile, int tileColumns, int rows, int columns, float* c, nint ldc, bool add)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8)
            {
                int j = 0;
                for (; j + 8 <= columns; j += 8) Block8(tile + r * tileColumns + j, tileColumns, c + j * ldc + r, ldc, add);
                Scalar(tile + r * tileColumns, tileColumns, 8, j, columns, c + r, ldc, add);
            }
            for (; r + 4 <= rows; r += 4)
            {
                int j = 0;
                for (; j + 4 <= columns; j += 4) Block4(tile + r * tileColumns + j, tileColumns, c + j * ldc + r, ldc, add);
                Scalar(tile + r * tileColumns, tileColumns, 4, j, columns, c + r, ldc, add);
            }
        }
        Scalar(tile + r * tileColumns, tileColumns, rows - r, 0, columns, c + r, ldc, add);
    }

    /// <summary>Columns [j0, j1) of <paramref name="rows"/> tile rows, one element at a time.</summary>
    private static void Scalar(float* tile, int tileColumns, int rows, int j0, int j1, float* c, nint ldc, bool add)
    {
        for (int i = 0; i < rows; i++)
            for (int j = j0; j < j1; j++)
            {
                float value = tile[i * tileColumns + j];
                c[j * ldc + i] = add ? c[j * ldc + i] + value : value;
            }
    }

    private static void Block8(float* s, int ld, float* c, nint ldc, bool add)
    {
        var t0 = Avx.UnpackLow(Avx.LoadVector256(s), Avx.LoadVector256(s + ld));
        var t1 = Avx.UnpackHigh(Avx.LoadVector256(s), Avx.LoadVector256(s + ld));
        var t2 = Avx.UnpackLow(Avx.LoadVector256(s + 2 * ld), Avx.LoadVector256(s + 3 * ld));
        var t3 = Avx.UnpackHigh(Avx.LoadVector256(s + 2 * ld), Avx.LoadVector256(s + 3 * ld));
        var t4 = Avx.UnpackLow(Avx.LoadVector256(s + 4 * ld), Avx.LoadVector256(s + 5 * ld));
        var t5 = Avx.UnpackHigh(Avx.LoadVector256(s + 4 * ld), Avx.LoadVector256(s + 5 * ld));
        var t6 = Avx.UnpackLow(Avx.LoadVector256(s + 6 * ld), Avx.LoadVector256(s + 7 * ld));
        var t7 = Avx.UnpackHigh(Avx.LoadVector256(s + 6 * ld), Avx.LoadVector256(s + 7 * ld));
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Put8(c, add, Avx.Permute2x128(u0, u4, 0x20));
        Put8(c + ldc, add, Avx.Permute2x128(u1, u5, 0x20));
        Put8(c + 2 * ldc, add, Avx.Permute2x128(u2, u6, 0x20));
        Put8(c + 3 * ldc, add, Avx.Permute2x128(u3, u7, 0x20));
        Put8(c + 4 * ldc, add, Avx.Permute2x128(u0, u4, 0x31));
        Put8(c + 5 * ldc, add, Avx.Permute2x128(u1, u5, 0x31));
        Put8(c + 6 * ldc, add, Avx.Permute2x128(u2, u6, 0x31));
        Put8(c + 7 * ldc, add, Avx.Permute2x128(u3, u7, 0x31));
    }

    private static void Block4(float* s, int ld, float* c, nint ldc, bool add)
    {
        var t0 = Sse.UnpackLow(Sse.LoadVector128(s), Sse.LoadVector128(s + ld));
        var t1 = Sse.UnpackHigh(Sse.LoadVector128(s), Sse.LoadVector128(s + ld));
        var t2 = Sse.UnpackLow(Sse.LoadVector128(s + 2 * ld), Sse.LoadVector128(s + 3 * ld));
        var t3 = Sse.UnpackHigh(Sse.LoadVector128(s + 2 * ld), Sse.LoadVector128(s + 3 * ld));
        Put4(c, add, Sse.MoveLowToHigh(t0, t2));
        Put4(c + ldc, add, Sse.MoveHighToLow(t2, t0));
        Put4(c + 2 * ldc, add, Sse.MoveLowToHigh(t1, t3));
        Put4(c + 3 * ldc, add, Sse.MoveHighToLow(t3, t1));
    }

    private static void Put8(float* c, bool add, System.Runtime.Intrinsics.Vector256<float> x)
    {
        if (add) x = Avx.Add(x, Avx.LoadVector256(c));
        Avx.Store(c, x);
    }

    private static void Put4(float* c, bool add, System.Runtime.Intrinsics.Vector128<float> x)
    {
        if (add) x = Sse.Add(x, Sse.LoadVector128(c));
        Sse.Store(c, x);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>Moves a tile computed into scratch memory to its place in C.</summary>
internal static unsafe class GemmTile
{
    /// <summary>c[r·ldc + j] (+)= tile[r·tileColumns + j]: the valid corner of an edge tile, for kernels without masked stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddTransposed(float* tile, int tileColumns, int rows, int columns, float* c, nint ldc, bool add)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8)
            {
                int j = 0;
                for (; j + 8 <= columns; j += 8) BlockTranspose.Block8x8(tile + r * tileColumns + j, tileColumns, c + j * ldc + r, ldc, add);
                Scalar(tile + r * tileColumns, tileColumns, 8, j, columns, c + r, ldc, add);
            }
            for (; r + 4 <= rows; r += 4)
            {
                int j = 0;
                for (; j + 4 <= columns; j += 4) BlockTranspose.Block4x4(tile + r * tileColumns + j, tileColumns, c + j * ldc + r, ldc, add);
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
}

namespace DeepSharp.Kernels;

/// <summary>Writes the valid corner of an edge tile, computed whole into a scratch tile, to C.</summary>
internal static unsafe class GemmTile
{
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
}

using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// Copies blocks of A and B into the panel layout the micro-kernels stream through: a panel is kc steps of
/// <c>width</c> consecutive floats (MR values of A's column p, or NR values of B's row p), zero padded past
/// the matrix edge so that kernels never branch on it. Operands stored the other way round are transposed
/// here, on the fly, so no transposed matrix is ever materialised.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [<paramref name="row"/>, +<paramref name="rows"/>) and k range [<paramref name="p0"/>, +kc)
    /// of op(A) into panels of <paramref name="mr"/> rows, one after the other (kc·mr floats each).
    /// </summary>
    internal static void PackA(bool transposed, float* a, nint lda, int row, int rows, int p0, int kc, float* destination, int mr)
    {
        for (int i = 0; i < rows; i += mr)
        {
            int count = Math.Min(mr, rows - i);
            if (transposed) CopyRuns(a + p0 * lda + row + i, lda, count, kc, destination, mr);
            else Transpose(a + (row + i) * lda + p0, lda, count, kc, destination, mr);
            destination += kc * mr;
        }
    }

    /// <summary>
    /// Packs k range [<paramref name="p0"/>, +kc) and columns [<paramref name="column"/>, +<paramref name="columns"/>)
    /// of op(B) into panels of <paramref name="nr"/> columns, one after the other (kc·nr floats each).
    /// </summary>
    internal static void PackB(bool transposed, float* b, nint ldb, int column, int columns, int p0, int kc, float* destination, int nr)
    {
        for (int j = 0; j < columns; j += nr)
        {
            int count = Math.Min(nr, columns - j);
            if (transposed) Transpose(b + (column + j) * ldb + p0, ldb, count, kc, destination, nr);
            else CopyRuns(b + p0 * ldb + column + j, ldb, count, kc, destination, nr);
            destination += kc * nr;
        }
    }

    /// <summary>destination[p·width + r] = source[p·step + r] for r &lt; count; zero for count ≤ r &lt; width.</summary>
    private static void CopyRuns(float* source, nint step, int count, int kc, float* destination, int width)
    {
        if (count == width && width % 8 == 0)
        {
            // Full panels: straight vector copies (the common case, B in the forward pass).
            for (int p = 0; p < kc; p++, source += step, destination += width)
                for (int r = 0; r < width; r += 8)
                    Vector256.Store(Vector256.Load(source + r), destination + r);
            return;
        }
        for (int p = 0; p < kc; p++, source += step, destination += width)
        {
            int r = 0;
            for (; r < count; r++) destination[r] = source[r];
            for (; r < width; r++) destination[r] = 0f;
        }
    }

    /// <summary>destination[p·width + r] = source[r·ld + p] for r &lt; count; zero for count ≤ r &lt; width.</summary>
    private static void Transpose(float* source, nint ld, int count, int kc, float* destination, int width)
    {
        int r = 0;
        for (; r < count; r++)
        {
            float* row = source + r * ld;
            float* column = destination + r;
            for (int p = 0; p < kc; p++) column[p * width] = row[p];
        }
        for (; r < width; r++)
            for (int p = 0; p < kc; p++) destination[p * width + r] = 0f;
    }
}

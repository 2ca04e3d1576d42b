using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Copies blocks of A and B into the panel layout the micro-kernels stream through: a panel is kc steps of
/// <c>width</c> consecutive floats (MR values of A's column p, or NR values of B's row p), zero padded past
/// the matrix edge so that kernels never branch on it. Operands stored the other way round are transposed
/// here, on the fly, 8×8 and 4×4 blocks at a time, so no transposed matrix is ever materialised.
/// </summary>
internal static unsafe class GemmPacking<TKernel> where TKernel : struct, IGemmMicroKernel
{
    /// <summary>
    /// Packs rows [<paramref name="row"/>, +<paramref name="rows"/>) and k range [<paramref name="p0"/>, +kc)
    /// of op(A) into panels of Rows rows, one after the other (kc·Rows floats each).
    /// </summary>
    internal static void PackA(bool transposed, float* a, nint lda, int row, int rows, int p0, int kc, float* destination)
    {
        int mr = TKernel.Rows;
        if (transposed)
        {
            CopyRows<RowsWidth>(a + p0 * lda + row, lda, rows, kc, destination);
            return;
        }
        for (int i = 0; i < rows; i += mr, destination += kc * mr)
            Transpose(a + (row + i) * lda + p0, lda, Math.Min(mr, rows - i), kc, destination, mr);
    }

    /// <summary>
    /// Packs k range [<paramref name="p0"/>, +kc) and columns [<paramref name="column"/>, +<paramref name="columns"/>)
    /// of op(B) into panels of Columns columns, one after the other (kc·Columns floats each).
    /// </summary>
    internal static void PackB(bool transposed, float* b, nint ldb, int column, int columns, int p0, int kc, float* destination)
    {
        int nr = TKernel.Columns;
        if (!transposed)
        {
            CopyRows<ColumnsWidth>(b + p0 * ldb + column, ldb, columns, kc, destination);
            return;
        }
        for (int j = 0; j < columns; j += nr, destination += kc * nr)
            Transpose(b + (column + j) * ldb + p0, ldb, Math.Min(nr, columns - j), kc, destination, nr);
    }

    private const int Group = 8;            // panels written side by side by CopyRows
    private const int PrefetchColumns = 64; // how far ahead along a row the transposes prefetch

    private interface IWidth { static abstract int Value { get; } }
    private readonly struct RowsWidth : IWidth { public static int Value => TKernel.Rows; }
    private readonly struct ColumnsWidth : IWidth { public static int Value => TKernel.Columns; }

    /// <summary>
    /// Panels from a source whose kc rows (step <paramref name="step"/>) each hold <paramref name="count"/>
    /// consecutive values: W of row p's values go to step p of a panel. Eight panels are filled side by side,
    /// so each source row is read in runs of 8·W floats (long enough for the hardware prefetcher) while the
    /// store streams, which lie a multiple of 4 KiB apart and so share cache sets, stay few.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRows<TWidth>(float* source, nint step, int count, int kc, float* destination) where TWidth : IWidth
    {
        int width = TWidth.Value;
        int full = count / width;
        nint panel = (nint)kc * width;
        for (int q0 = 0; q0 < full; q0 += Group)
        {
            int q1 = Math.Min(full, q0 + Group);
            float* from = source + q0 * width;
            float* to = destination + q0 * panel;
            for (int p = 0; p < kc; p++, from += step, to += width)
                for (int q = 0; q < q1 - q0; q++)
                    Unsafe.CopyBlockUnaligned(to + q * panel, from + q * width, (uint)(TWidth.Value * sizeof(float)));
        }
        int rest = count - full * width;
        if (rest == 0) return;
        destination += full * panel;
        source += full * width;
        if (Avx512F.IsSupported && width % 16 == 0)
        {
            // The edge panel of a narrow B (n = 10, say) is packed every call: masked loads read only the
            // columns that exist, and fill the rest of the panel with zeros.
            for (int p = 0; p < kc; p++, source += step, destination += width)
                for (int v = 0; v < width; v += 16)
                {
                    var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(rest - v)).AsSingle();
                    Vector512.Store(Avx512F.MaskLoad(source + v, mask, Vector512<float>.Zero), destination + v);
                }
            return;
        }
        for (int p = 0; p < kc; p++, destination += width)
        {
            float* from = source + p * step;
            int r = 0;
            for (; r < rest; r++) destination[r] = from[r];
            for (; r < width; r++) destination[r] = 0f;
        }
    }

    /// <summary>destination[p·width + r] = source[r·ld + p] for r &lt; count; zero for count ≤ r &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(float* source, nint ld, int count, int kc, float* destination, int width)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= count; r += 8) TransposeRows8(source + r * ld, ld, kc, destination + r, width);
            for (; r + 4 <= count; r += 4) TransposeRows4(source + r * ld, ld, kc, destination + r, width);
        }
        for (; r < count; r++)
        {
            float* row = source + r * ld;
            for (int p = 0; p < kc; p++) destination[p * width + r] = row[p];
        }
        for (; r < width; r++)
            for (int p = 0; p < kc; p++) destination[p * width + r] = 0f;
    }

    /// <summary>Eight source rows into eight consecutive floats of every panel step, 8×8 blocks at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeRows8(float* s, nint ld, int kc, float* d, int width)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8, s += 8)
        {
            for (int r = 0; r < 8; r++) Sse.Prefetch0(s + r * ld + PrefetchColumns);
            BlockTranspose.Block8x8(s, ld, d + p * width, width, add: false);
        }
        for (; p < kc; p++, s++)
            for (int r = 0; r < 8; r++) d[p * width + r] = s[r * ld];
    }

    /// <summary>Four source rows into four consecutive floats of every panel step, 4×4 blocks at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeRows4(float* s, nint ld, int kc, float* d, int width)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4, s += 4)
        {
            if ((p & 7) == 0) for (int r = 0; r < 4; r++) Sse.Prefetch0(s + r * ld + PrefetchColumns);
            BlockTranspose.Block4x4(s, ld, d + p * width, width, add: false);
        }
        for (; p < kc; p++, s++)
            for (int r = 0; r < 4; r++) d[p * width + r] = s[r * ld];
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Sums of the 16 lanes of AVX-512 vectors in one fixed tree, halves folded onto halves: lane l plus lane l + 8, then
/// l + 4, l + 2 and l + 1. Fixed here rather than left to <c>Vector512.Sum</c> so that a kernel that sums one row at a
/// time (<see cref="Of"/>) and one that sums sixteen rows at once (<see cref="OfEach"/>, <see cref="Down"/>) give
/// the same bits, whichever of them a shape takes.
/// </summary>
internal static unsafe class LaneSums512
{
    /// <summary>The sum of the lanes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Of(Vector512<float> v)
    {
        var half = v.GetLower() + v.GetUpper();
        var quarter = half.GetLower() + half.GetUpper();
        quarter += Vector128.Shuffle(quarter, Vector128.Create(2, 3, 0, 1));
        return quarter.ToScalar() + quarter.GetElement(1);
    }

    /// <summary>
    /// Lane r of the result is <see cref="Of"/>(row r) for the 16 vectors at <paramref name="rows"/> (16 floats apart): a
    /// transposing reduction, each round adding two vectors' folded halves side by side (two permutes and one add per
    /// pair), 15 pairs for the 16 rows instead of 16 horizontal sums one after the other.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> OfEach(float* rows)
    {
        // Round b pairs vector r with vector r + b: lanes with bit b clear fold r's lanes l and l + b, the others fold
        // r + b's lanes l − b and l. After the rounds b = 8, 4, 2, 1 lane r holds row r's sum.
        var low = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        var high = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        var t0 = Fold(Row(rows, 0), Row(rows, 8), low, high);
        var t1 = Fold(Row(rows, 1), Row(rows, 9), low, high);
        var t2 = Fold(Row(rows, 2), Row(rows, 10), low, high);
        var t3 = Fold(Row(rows, 3), Row(rows, 11), low, high);
        var t4 = Fold(Row(rows, 4), Row(rows, 12), low, high);
        var t5 = Fold(Row(rows, 5), Row(rows, 13), low, high);
        var t6 = Fold(Row(rows, 6), Row(rows, 14), low, high);
        var t7 = Fold(Row(rows, 7), Row(rows, 15), low, high);
        low = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        high = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        var u0 = Fold(t0, t4, low, high);
        var u1 = Fold(t1, t5, low, high);
        var u2 = Fold(t2, t6, low, high);
        var u3 = Fold(t3, t7, low, high);
        low = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        high = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        var v0 = Fold(u0, u2, low, high);
        var v1 = Fold(u1, u3, low, high);
        low = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        high = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        return Fold(v0, v1, low, high);
    }

    /// <summary>
    /// Lane by lane, the sum of the 16 vectors at <paramref name="rows"/> (16 floats apart) in the tree of <see cref="Of"/>:
    /// a column's sum down the rows as <see cref="Of"/> sums a row. The first round's eight partial sums go to
    /// <paramref name="partials"/> (8 rows; may be <paramref name="rows"/> itself).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Down(float* rows, float* partials)
    {
        for (int j = 0; j < 8; j++) (Row(rows, j) + Row(rows, j + 8)).Store(partials + 16 * j);
        var r0 = Row(partials, 0) + Row(partials, 4);
        var r1 = Row(partials, 1) + Row(partials, 5);
        var r2 = Row(partials, 2) + Row(partials, 6);
        var r3 = Row(partials, 3) + Row(partials, 7);
        return (r0 + r2) + (r1 + r3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* rows, int r) => Vector512.Load(rows + 16 * r);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold(Vector512<float> a, Vector512<float> b, Vector512<int> low, Vector512<int> high) =>
        Avx512F.PermuteVar16x32x2(a, low, b) + Avx512F.PermuteVar16x32x2(a, high, b);
}

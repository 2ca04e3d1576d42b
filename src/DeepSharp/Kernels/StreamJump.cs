using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// Moves the eight xoshiro256** streams of <see cref="BernoulliMask"/> <see cref="Groups"/> steps ahead at once, so that a
/// chunk of a mask can be drawn without drawing the chunks before it. A step of xoshiro256 is linear over GF(2) on its 256
/// state bits (shifts, rotations and exclusive ors), so <see cref="Groups"/> steps are one 256×256 bit matrix, whose
/// column i is where the state with only bit i set goes: the new state is the exclusive or of the columns of the set bits.
/// The columns are made once, by stepping each of the 256 one-bit states.
/// </summary>
internal static unsafe class StreamJump
{
    /// <summary>Steps of every stream per jump (each step draws 16 mask elements over the eight streams).</summary>
    internal const int Groups = 4096;

    private const int Lanes = 8;

    // Column i (state bit i: bit i % 64 of word i / 64) as its four words.
    private static readonly ulong[] Columns = MakeColumns();

    private static ulong[] MakeColumns()
    {
        var columns = new ulong[256 * 4];
        for (int i = 0; i < 256; i++)
        {
            ulong s0 = i < 64 ? 1UL << i : 0, s1 = i is >= 64 and < 128 ? 1UL << (i - 64) : 0;
            ulong s2 = i is >= 128 and < 192 ? 1UL << (i - 128) : 0, s3 = i >= 192 ? 1UL << (i - 192) : 0;
            for (int step = 0; step < Groups; step++) Xoshiro256.Next(ref s0, ref s1, ref s2, ref s3);
            columns[4 * i] = s0;
            columns[4 * i + 1] = s1;
            columns[4 * i + 2] = s2;
            columns[4 * i + 3] = s3;
        }
        return columns;
    }

    /// <summary>
    /// Writes to <paramref name="to"/> the eight streams of <paramref name="from"/> (word w of lane l at [w·8 + l]) after
    /// <see cref="Groups"/> steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Apply(ulong* from, ulong* to)
    {
        fixed (ulong* columns = Columns)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<ulong> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int w = 0; w < 4; w++)
                {
                    var word = Vector512.Load(from + w * Lanes);
                    ulong* column = columns + w * 64 * 4;
                    for (int b = 0; b < 64; b++, column += 4)
                    {
                        // All ones in the lanes whose state has this bit set.
                        var set = Vector512<ulong>.Zero - (Vector512.ShiftRightLogical(word, b) & Vector512<ulong>.One);
                        a0 ^= set & Vector512.Create(column[0]);
                        a1 ^= set & Vector512.Create(column[1]);
                        a2 ^= set & Vector512.Create(column[2]);
                        a3 ^= set & Vector512.Create(column[3]);
                    }
                }
                a0.Store(to);
                a1.Store(to + Lanes);
                a2.Store(to + 2 * Lanes);
                a3.Store(to + 3 * Lanes);
                return;
            }
            for (int lane = 0; lane < Lanes; lane++)
            {
                ulong a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                for (int w = 0; w < 4; w++)
                {
                    ulong word = from[w * Lanes + lane];
                    ulong* column = columns + w * 64 * 4;
                    for (int b = 0; b < 64; b++, column += 4)
                    {
                        ulong set = 0UL - (word >> b & 1);
                        a0 ^= set & column[0];
                        a1 ^= set & column[1];
                        a2 ^= set & column[2];
                        a3 ^= set & column[3];
                    }
                }
                to[lane] = a0;
                to[Lanes + lane] = a1;
                to[2 * Lanes + lane] = a2;
                to[3 * Lanes + lane] = a3;
            }
        }
    }
}

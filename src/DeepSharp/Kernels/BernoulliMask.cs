using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// Fills a dropout mask: each element is <c>scale</c> with probability <c>keep</c>, else 0. Randomness comes
/// from eight xoshiro256** streams advanced together (one Vector512 of state words, or the same eight streams
/// one by one), each 64-bit output giving two 32-bit draws, so the mask is the same on every SIMD width.
/// </summary>
internal static unsafe class BernoulliMask
{
    private const int Lanes = 8;

    /// <summary>Fills <paramref name="mask"/>; the streams are seeded from <paramref name="random"/>.</summary>
    internal static void Fill(Span<float> mask, float keep, float scale, IRandomSource random, bool allowVector512 = true)
    {
        // Draws below the threshold are kept; keep = 1 keeps everything (threshold past the largest draw).
        ulong threshold = (ulong)Math.Round(keep * 4294967296.0);
        var state = new State();
        for (int i = 0; i < 4 * Lanes; i++) state[i] = random.NextUInt64();
        fixed (float* m = mask)
        {
            int i = 0;
            if (allowVector512 && Vector512.IsHardwareAccelerated && Simd.Level == SimdLevel.Vector512) i = Vectorized(m, mask.Length, threshold, scale, ref state);
            Scalar(m + i, mask.Length - i, threshold, scale, ref state);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Vectorized(float* mask, int length, ulong threshold, float scale, ref State state)
    {
        var s0 = Vector512.Create(state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]);
        var s1 = Vector512.Create(state[8], state[9], state[10], state[11], state[12], state[13], state[14], state[15]);
        var s2 = Vector512.Create(state[16], state[17], state[18], state[19], state[20], state[21], state[22], state[23]);
        var s3 = Vector512.Create(state[24], state[25], state[26], state[27], state[28], state[29], state[30], state[31]);
        var kept = Vector512.Create(scale);
        int i = 0;
        if (threshold > uint.MaxValue)
        {
            for (; i <= length - 16; i += 16) kept.Store(mask + i);
            return i;
        }
        var limit = Vector512.Create((uint)threshold);
        for (; i <= length - 16; i += 16)
        {
            var output = RotateLeft(s1 * 5, 7) * 9;
            var t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = RotateLeft(s3, 45);
            var draws = output.AsUInt32();
            var keepMask = Vector512.LessThan(draws, limit).AsSingle();
            (keepMask & kept).Store(mask + i);
        }
        for (int lane = 0; lane < Lanes; lane++)
        {
            state[lane] = s0.GetElement(lane);
            state[Lanes + lane] = s1.GetElement(lane);
            state[2 * Lanes + lane] = s2.GetElement(lane);
            state[3 * Lanes + lane] = s3.GetElement(lane);
        }
        return i;
    }

    private static void Scalar(float* mask, int length, ulong threshold, float scale, ref State state)
    {
        for (int i = 0; i < length; i += 2 * Lanes)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                ulong output = Xoshiro256.Next(ref state[lane], ref state[Lanes + lane], ref state[2 * Lanes + lane], ref state[3 * Lanes + lane]);
                int at = i + 2 * lane;
                if (at < length) mask[at] = (uint)output < threshold ? scale : 0f;
                if (at + 1 < length) mask[at + 1] = (output >> 32) < threshold ? scale : 0f;
            }
        }
    }

    private static Vector512<ulong> RotateLeft(Vector512<ulong> x, int k) =>
        Vector512.ShiftLeft(x, k) | Vector512.ShiftRightLogical(x, 64 - k);

    [InlineArray(4 * Lanes)]
    private struct State
    {
        private ulong _element0;
    }
}

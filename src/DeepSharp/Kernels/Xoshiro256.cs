namespace DeepSharp.Kernels;

/// <summary>One step of xoshiro256** on four state words: the generator behind DeepSharp's RandomGenerator and dropout masks.</summary>
internal static class Xoshiro256
{
    /// <summary>Advances the state and returns the next 64 random bits.</summary>
    internal static ulong Next(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}

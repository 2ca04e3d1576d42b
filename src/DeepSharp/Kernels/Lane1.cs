using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// One lane: the tail of a vector loop, and the whole loop where no vector unit is used. Masks are floats with
/// all bits set or none, as a vector lane's, so kernels select and mask the same way at every width.
/// </summary>
internal readonly unsafe struct Lane1(float value) : ILanes<Lane1>
{
    private readonly float _v = value;

    /// <summary>The lane's value.</summary>
    public float Value => _v;

    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Load(float* source) => new(*source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Lane1 value) => *destination = value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Broadcast(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreState(float* destination, Lane1 value) =>
        *destination = MathF.Abs(value._v) >= SmallestNormal.Value ? value._v : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator +(Lane1 a, Lane1 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator -(Lane1 a, Lane1 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator *(Lane1 a, Lane1 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator /(Lane1 a, Lane1 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator -(Lane1 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator &(Lane1 a, Lane1 b) => FromBits(Bits(a) & Bits(b));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator |(Lane1 a, Lane1 b) => FromBits(Bits(a) | Bits(b));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 MultiplyAdd(Lane1 a, Lane1 b, Lane1 c) => new(MathF.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Sqrt(Lane1 a) => new(MathF.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Abs(Lane1 a) => new(MathF.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Floor(Lane1 a) => new(MathF.Floor(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Max(Lane1 a, Lane1 b) => new(MathF.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Min(Lane1 a, Lane1 b) => new(MathF.Min(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Clamp(Lane1 x, Lane1 lower, Lane1 upper)
    {
        float v = lower._v > x._v ? lower._v : x._v;
        return new(upper._v < v ? upper._v : v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 CopySign(Lane1 value, Lane1 sign) => new(MathF.CopySign(value._v, sign._v));

    /// <summary>The same two exact-then-rounded products as <see cref="Lanes256.ScaleB"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 ScaleB(Lane1 p, Lane1 n)
    {
        int k = (int)n._v, half = k >> 1;
        return new(p._v * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle((k - half + 127) << 23));
    }

    /// <summary>The vector algorithm on one lane, so a tail gets what a vector lane would.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Log(Lane1 a) => new(Vector128.Log(Vector128.CreateScalarUnsafe(a._v)).ToScalar());

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Equal(Lane1 a, Lane1 b) => Mask(a._v == b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 GreaterThan(Lane1 a, Lane1 b) => Mask(a._v > b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 GreaterThanOrEqual(Lane1 a, Lane1 b) => Mask(a._v >= b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 LessThan(Lane1 a, Lane1 b) => Mask(a._v < b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 LessThanOrEqual(Lane1 a, Lane1 b) => Mask(a._v <= b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Select(Lane1 mask, Lane1 whenTrue, Lane1 whenFalse) => Bits(mask) != 0 ? whenTrue : whenFalse;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Indices(int start) => FromBits(start);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 EqualBits(Lane1 a, Lane1 b) => Mask(Bits(a) == Bits(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static int Bits(Lane1 a) => BitConverter.SingleToInt32Bits(a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static Lane1 FromBits(int bits) => new(BitConverter.Int32BitsToSingle(bits));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static Lane1 Mask(bool condition) => FromBits(condition ? -1 : 0);
}

/// <summary>The smallest positive normal float32; below it numbers are subnormal.</summary>
internal static class SmallestNormal
{
    internal const float Value = 1.17549435e-38f;
}

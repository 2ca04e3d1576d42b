using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// A group of float lanes with the arithmetic a fused elementwise kernel needs. A kernel writes its math once,
/// generic over the lane type, and the driver runs it with <see cref="Lanes512"/> or <see cref="Lanes256"/>
/// for the body and <see cref="Lane1"/> for the tail. Every operation is exactly rounded (FMA included, on all
/// three), so the three widths give bit-identical results.
/// </summary>
internal unsafe interface ISimdLanes<TSelf> where TSelf : struct, ISimdLanes<TSelf>
{
    /// <summary>Floats per group.</summary>
    static abstract int Count { get; }

    static abstract TSelf Load(float* source);
    static abstract void Store(float* destination, TSelf value);
    static abstract TSelf Broadcast(float value);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary>a · b + c, rounded once.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Sqrt(TSelf a);
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Abs(TSelf a);

    /// <summary>
    /// Stores optimizer state with subnormal values flushed to zero, as TensorFlow's flush-to-zero CPU mode
    /// does: moments of a weight whose gradient stays zero decay geometrically into subnormal numbers, and
    /// x86 processes those about a hundred times slower (an Adam step on the seed MLP went from 35 µs to 660 µs).
    /// </summary>
    static abstract void StoreState(float* destination, TSelf value);
}

/// <summary>Sixteen lanes (AVX-512).</summary>
internal readonly unsafe struct Lanes512(Vector512<float> value) : ISimdLanes<Lanes512>
{
    private readonly Vector512<float> _value = value;

    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Load(float* source) => new(Vector512.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Lanes512 value) => value._value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Broadcast(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(a._value + b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(a._value - b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(a._value * b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator /(Lanes512 a, Lanes512 b) => new(a._value / b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 MultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._value, b._value, c._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Sqrt(Lanes512 a) => new(Vector512.Sqrt(a._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Max(Lanes512 a, Lanes512 b) => new(Vector512.Max(a._value, b._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Abs(Lanes512 a) => new(Vector512.Abs(a._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreState(float* destination, Lanes512 value) =>
        (Vector512.GreaterThanOrEqual(Vector512.Abs(value._value), Vector512.Create(SmallestNormal.Value)) & value._value).Store(destination);
}

/// <summary>Eight lanes (AVX2 with FMA).</summary>
internal readonly unsafe struct Lanes256(Vector256<float> value) : ISimdLanes<Lanes256>
{
    private readonly Vector256<float> _value = value;

    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Load(float* source) => new(Vector256.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Lanes256 value) => value._value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Broadcast(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a._value + b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a._value - b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a._value * b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a._value / b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Sqrt(Lanes256 a) => new(Vector256.Sqrt(a._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Max(Lanes256 a, Lanes256 b) => new(Vector256.Max(a._value, b._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Abs(Lanes256 a) => new(Vector256.Abs(a._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreState(float* destination, Lanes256 value) =>
        (Vector256.GreaterThanOrEqual(Vector256.Abs(value._value), Vector256.Create(SmallestNormal.Value)) & value._value).Store(destination);
}

/// <summary>One lane: the tail of a vector loop, and the whole loop where no vector unit is used.</summary>
internal readonly unsafe struct Lane1(float value) : ISimdLanes<Lane1>
{
    private readonly float _value = value;

    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Load(float* source) => new(*source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Lane1 value) => *destination = value._value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Broadcast(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator +(Lane1 a, Lane1 b) => new(a._value + b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator -(Lane1 a, Lane1 b) => new(a._value - b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator *(Lane1 a, Lane1 b) => new(a._value * b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator /(Lane1 a, Lane1 b) => new(a._value / b._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 MultiplyAdd(Lane1 a, Lane1 b, Lane1 c) => new(MathF.FusedMultiplyAdd(a._value, b._value, c._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Sqrt(Lane1 a) => new(MathF.Sqrt(a._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Max(Lane1 a, Lane1 b) => new(MathF.Max(a._value, b._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Abs(Lane1 a) => new(MathF.Abs(a._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreState(float* destination, Lane1 value) =>
        *destination = MathF.Abs(value._value) >= SmallestNormal.Value ? value._value : 0f;
}

/// <summary>The smallest positive normal float32; below it numbers are subnormal.</summary>
internal static class SmallestNormal
{
    internal const float Value = 1.17549435e-38f;
}

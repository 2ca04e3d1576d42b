using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>Eight lanes (AVX2 with FMA).</summary>
internal readonly unsafe struct Lanes256(Vector256<float> value) : ILanes<Lanes256>
{
    private readonly Vector256<float> _v = value;

    /// <summary>The lanes as a vector, for kernels with width-specific steps.</summary>
    public Vector256<float> Vector => _v;

    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Load(float* source) => new(Vector256.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Lanes256 value) => value._v.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreState(float* destination, Lanes256 value) =>
        (Vector256.GreaterThanOrEqual(Vector256.Abs(value._v), Vector256.Create(SmallestNormal.Value)) & value._v).Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator -(Lanes256 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator &(Lanes256 a, Lanes256 b) => new(a._v & b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator |(Lanes256 a, Lanes256 b) => new(a._v | b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Sqrt(Lanes256 a) => new(Vector256.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Abs(Lanes256 a) => new(Vector256.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Floor(Lanes256 a) => new(Vector256.Floor(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Max(Lanes256 a, Lanes256 b) => new(Vector256.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Min(Lanes256 a, Lanes256 b) => new(Vector256.Min(a._v, b._v));

    /// <summary>The bound first: x86's max and min return their second operand when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Clamp(Lanes256 x, Lanes256 lower, Lanes256 upper) => new(Vector256.MinNative(upper._v, Vector256.MaxNative(lower._v, x._v)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 CopySign(Lanes256 value, Lanes256 sign) => new(Vector256.CopySign(value._v, sign._v));

    /// <summary>p·2^⌊n/2⌋·2^(n−⌊n/2⌋): both factors are normal floats and the first product is exact, so the result is rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 ScaleB(Lanes256 p, Lanes256 n)
    {
        // n is a whole number in range: the truncating conversion suffices (the portable one adds a saturation fix-up).
        var k = Avx.IsSupported ? Avx.ConvertToVector256Int32WithTruncation(n._v) : Vector256.ConvertToInt32(n._v);
        var half = Vector256.ShiftRightArithmetic(k, 1);
        var bias = Vector256.Create(127);
        return new(p._v * Vector256.ShiftLeft(half + bias, 23).AsSingle() * Vector256.ShiftLeft(k - half + bias, 23).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Log(Lanes256 a) => new(Vector256.Log(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Equal(Lanes256 a, Lanes256 b) => new(Vector256.Equals(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 GreaterThan(Lanes256 a, Lanes256 b) => new(Vector256.GreaterThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 GreaterThanOrEqual(Lanes256 a, Lanes256 b) => new(Vector256.GreaterThanOrEqual(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 LessThan(Lanes256 a, Lanes256 b) => new(Vector256.LessThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 LessThanOrEqual(Lanes256 a, Lanes256 b) => new(Vector256.LessThanOrEqual(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Select(Lanes256 mask, Lanes256 whenTrue, Lanes256 whenFalse) => new(Vector256.ConditionalSelect(mask._v, whenTrue._v, whenFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Indices(int start) => new((Vector256<int>.Indices + Vector256.Create(start)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 EqualBits(Lanes256 a, Lanes256 b) => new(Vector256.Equals(a._v.AsInt32(), b._v.AsInt32()).AsSingle());
}

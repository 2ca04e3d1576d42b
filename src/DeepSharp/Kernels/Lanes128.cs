using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>Four lanes (SSE with FMA, or ARM NEON).</summary>
internal readonly unsafe struct Lanes128(Vector128<float> value) : ILanes<Lanes128>
{
    private readonly Vector128<float> _v = value;

    /// <summary>The lanes as a vector, for kernels with width-specific steps.</summary>
    public Vector128<float> Vector => _v;

    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Load(float* source) => new(Vector128.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Lanes128 value) => value._v.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Broadcast(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreState(float* destination, Lanes128 value) =>
        (Vector128.GreaterThanOrEqual(Vector128.Abs(value._v), Vector128.Create(SmallestNormal.Value)) & value._v).Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator +(Lanes128 a, Lanes128 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator -(Lanes128 a, Lanes128 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator *(Lanes128 a, Lanes128 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator /(Lanes128 a, Lanes128 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator -(Lanes128 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator &(Lanes128 a, Lanes128 b) => new(a._v & b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator |(Lanes128 a, Lanes128 b) => new(a._v | b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 MultiplyAdd(Lanes128 a, Lanes128 b, Lanes128 c) => new(Vector128.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Sqrt(Lanes128 a) => new(Vector128.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Abs(Lanes128 a) => new(Vector128.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Floor(Lanes128 a) => new(Vector128.Floor(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Max(Lanes128 a, Lanes128 b) => new(Vector128.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Min(Lanes128 a, Lanes128 b) => new(Vector128.Min(a._v, b._v));

    /// <summary>The bound first: x86's max and min return their second operand when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Clamp(Lanes128 x, Lanes128 lower, Lanes128 upper) => new(Vector128.MinNative(upper._v, Vector128.MaxNative(lower._v, x._v)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 CopySign(Lanes128 value, Lanes128 sign) => new(Vector128.CopySign(value._v, sign._v));

    /// <summary>p·2^⌊n/2⌋·2^(n−⌊n/2⌋): both factors are normal floats and the first product is exact, so the result is rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 ScaleB(Lanes128 p, Lanes128 n)
    {
        var k = Sse2.IsSupported ? Sse2.ConvertToVector128Int32WithTruncation(n._v) : Vector128.ConvertToInt32(n._v);
        var half = Vector128.ShiftRightArithmetic(k, 1);
        var bias = Vector128.Create(127);
        return new(p._v * Vector128.ShiftLeft(half + bias, 23).AsSingle() * Vector128.ShiftLeft(k - half + bias, 23).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Log(Lanes128 a) => new(Vector128.Log(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Equal(Lanes128 a, Lanes128 b) => new(Vector128.Equals(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 GreaterThan(Lanes128 a, Lanes128 b) => new(Vector128.GreaterThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 GreaterThanOrEqual(Lanes128 a, Lanes128 b) => new(Vector128.GreaterThanOrEqual(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 LessThan(Lanes128 a, Lanes128 b) => new(Vector128.LessThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 LessThanOrEqual(Lanes128 a, Lanes128 b) => new(Vector128.LessThanOrEqual(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Select(Lanes128 mask, Lanes128 whenTrue, Lanes128 whenFalse) => new(Vector128.ConditionalSelect(mask._v, whenTrue._v, whenFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Indices(int start) => new((Vector128<int>.Indices + Vector128.Create(start)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 EqualBits(Lanes128 a, Lanes128 b) => new(Vector128.Equals(a._v.AsInt32(), b._v.AsInt32()).AsSingle());
}

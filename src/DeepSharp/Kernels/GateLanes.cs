using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// The activations a recurrent cell may use inside its fused gate pass. Each is monotone, so its derivative
/// can be read from its output alone and backward needs only the saved activated gates.
/// </summary>
internal enum GateActivation
{
    Tanh,
    Sigmoid,
    Relu,
    Linear,
    HardSigmoid,
}

/// <summary>
/// A group of float lanes for the recurrent gate passes: loads, stores, arithmetic and the gate activations
/// with their derivatives (from the output). <see cref="Gate512"/>, <see cref="Gate256"/> and <see cref="Gate1"/>
/// let a cell write its math once; the driver runs the widest width <see cref="Simd.Level"/> allows, then the tail.
/// </summary>
internal unsafe interface IGateLanes<TSelf> where TSelf : struct, IGateLanes<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Load(float* source);
    static abstract void Store(float* destination, TSelf value);
    static abstract TSelf Broadcast(float value);
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf Sigmoid(TSelf x);
    static abstract TSelf Tanh(TSelf x);

    /// <summary>min(max(x, lower), upper).</summary>
    static abstract TSelf Clamp(TSelf x, float lower, float upper);

    /// <summary>1 where lower &lt; y &lt; upper, else 0.</summary>
    static abstract TSelf Inside(TSelf y, float lower, float upper);
}

/// <summary>Activations of <see cref="GateActivation"/> on any lane width.</summary>
internal static class GateMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TL Apply<TL>(GateActivation kind, TL x) where TL : struct, IGateLanes<TL> => kind switch
    {
        GateActivation.Tanh => TL.Tanh(x),
        GateActivation.Sigmoid => TL.Sigmoid(x),
        GateActivation.Relu => TL.Clamp(x, 0f, float.MaxValue),
        GateActivation.HardSigmoid => TL.Clamp((x + TL.Broadcast(3f)) * TL.Broadcast(1f / 6f), 0f, 1f),
        _ => x,
    };

    /// <summary>The activation's derivative at the input that produced <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TL Derivative<TL>(GateActivation kind, TL y) where TL : struct, IGateLanes<TL> => kind switch
    {
        GateActivation.Tanh => TL.Broadcast(1f) - y * y,
        GateActivation.Sigmoid => y * (TL.Broadcast(1f) - y),
        GateActivation.Relu => TL.Inside(y, 0f, float.PositiveInfinity),
        GateActivation.HardSigmoid => TL.Inside(y, 0f, 1f) * TL.Broadcast(1f / 6f),
        _ => TL.Broadcast(1f),
    };

    /// <summary>The kind for a Keras activation name, or null when a gate pass cannot run it.</summary>
    internal static GateActivation? FromName(string name) => name switch
    {
        "tanh" => GateActivation.Tanh,
        "sigmoid" => GateActivation.Sigmoid,
        "relu" => GateActivation.Relu,
        "linear" => GateActivation.Linear,
        "hard_sigmoid" => GateActivation.HardSigmoid,
        _ => null,
    };
}

/// <summary>Sixteen lanes (AVX-512).</summary>
internal readonly unsafe struct Gate512(Vector512<float> value) : IGateLanes<Gate512>
{
    private readonly Vector512<float> _v = value;
    public static int Count => 16;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate512 Load(float* source) => new(Vector512.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Gate512 value) => value._v.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate512 Broadcast(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate512 operator +(Gate512 a, Gate512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate512 operator -(Gate512 a, Gate512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate512 operator *(Gate512 a, Gate512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate512 Sigmoid(Gate512 x) => new(VectorMath.Sigmoid(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate512 Tanh(Gate512 x) => new(VectorMath.Tanh(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate512 Clamp(Gate512 x, float lower, float upper) => new(Vector512.Min(Vector512.Max(x._v, Vector512.Create(lower)), Vector512.Create(upper)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate512 Inside(Gate512 y, float lower, float upper) =>
        new(Vector512.GreaterThan(y._v, Vector512.Create(lower)) & Vector512.LessThan(y._v, Vector512.Create(upper)) & Vector512<float>.One);
}

/// <summary>Eight lanes (AVX2).</summary>
internal readonly unsafe struct Gate256(Vector256<float> value) : IGateLanes<Gate256>
{
    private readonly Vector256<float> _v = value;
    public static int Count => 8;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate256 Load(float* source) => new(Vector256.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Gate256 value) => value._v.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate256 Broadcast(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate256 operator +(Gate256 a, Gate256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate256 operator -(Gate256 a, Gate256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate256 operator *(Gate256 a, Gate256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate256 Sigmoid(Gate256 x) => new(VectorMath.Sigmoid(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate256 Tanh(Gate256 x) => new(VectorMath.Tanh(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate256 Clamp(Gate256 x, float lower, float upper) => new(Vector256.Min(Vector256.Max(x._v, Vector256.Create(lower)), Vector256.Create(upper)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate256 Inside(Gate256 y, float lower, float upper) =>
        new(Vector256.GreaterThan(y._v, Vector256.Create(lower)) & Vector256.LessThan(y._v, Vector256.Create(upper)) & Vector256<float>.One);
}

/// <summary>One lane: the tail, and the whole row without vector units.</summary>
internal readonly unsafe struct Gate1(float value) : IGateLanes<Gate1>
{
    private readonly float _v = value;
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Load(float* source) => new(*source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Gate1 value) => *destination = value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Broadcast(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 operator +(Gate1 a, Gate1 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 operator -(Gate1 a, Gate1 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 operator *(Gate1 a, Gate1 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Sigmoid(Gate1 x) => new(VectorMath.Sigmoid(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Tanh(Gate1 x) => new(VectorMath.Tanh(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Clamp(Gate1 x, float lower, float upper) => new(MathF.Min(MathF.Max(x._v, lower), upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Inside(Gate1 y, float lower, float upper) => new(y._v > lower && y._v < upper ? 1f : 0f);
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

/// <summary>A gate activation and its derivative from the output, as a type, so a gate pass is compiled per activation.</summary>
internal interface IGateFunction
{
    static abstract TL Apply<TL>(TL x) where TL : struct, IGateLanes<TL>;

    /// <summary>The derivative at the input that produced <paramref name="y"/>.</summary>
    static abstract TL Derivative<TL>(TL y) where TL : struct, IGateLanes<TL>;
}

internal readonly struct TanhGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, IGateLanes<TL> => TL.Tanh(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, IGateLanes<TL> => TL.Broadcast(1f) - y * y;
}

internal readonly struct SigmoidGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, IGateLanes<TL> => TL.Sigmoid(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, IGateLanes<TL> => y * (TL.Broadcast(1f) - y);
}

internal readonly struct ReluGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, IGateLanes<TL> => TL.Clamp(x, 0f, float.MaxValue);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, IGateLanes<TL> => TL.Inside(y, 0f, float.PositiveInfinity);
}

internal readonly struct LinearGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, IGateLanes<TL> => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, IGateLanes<TL> => TL.Broadcast(1f);
}

/// <summary>relu6(x + 3) / 6, as Keras 3 and PyTorch; the derivative is 1/6 strictly inside (0, 1).</summary>
internal readonly struct HardSigmoidGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TL Apply<TL>(TL x) where TL : struct, IGateLanes<TL> => TL.Clamp((x + TL.Broadcast(3f)) * TL.Broadcast(1f / 6f), 0f, 1f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TL Derivative<TL>(TL y) where TL : struct, IGateLanes<TL> => TL.Inside(y, 0f, 1f) * TL.Broadcast(1f / 6f);
}

/// <summary>
/// A gate pass compiled for one pair of activations: TA for the candidate and output,
/// TR for the gates. Picking the pair once per call, not per element, keeps the
/// activation math inlined in the vector loop.
/// </summary>
internal interface IGatePass<TArgs> where TArgs : struct
{
    static abstract void Run<TA, TR>(in TArgs args, int firstRow, int endRow) where TA : struct, IGateFunction where TR : struct, IGateFunction;
}

/// <summary>
/// Runs a gate pass over rows with the activation types its arguments name, on the calling thread: the
/// recurrent loop already gives each worker its own rows for the whole sequence (see <see cref="RecurrentLoop"/>).
/// </summary>
internal static class GatePass
{
    internal static void Run<TP, TArgs>(in TArgs args, int rows, GateActivation activation, GateActivation recurrentActivation)
        where TP : struct, IGatePass<TArgs> where TArgs : struct =>
        Activation<TP, TArgs>(args, 0, rows, activation, recurrentActivation);

    private static void Activation<TP, TArgs>(in TArgs args, int first, int end, GateActivation activation, GateActivation recurrent)
        where TP : struct, IGatePass<TArgs> where TArgs : struct
    {
        switch (activation)
        {
            case GateActivation.Tanh: Recurrent<TP, TArgs, TanhGate>(args, first, end, recurrent); break;
            case GateActivation.Sigmoid: Recurrent<TP, TArgs, SigmoidGate>(args, first, end, recurrent); break;
            case GateActivation.Relu: Recurrent<TP, TArgs, ReluGate>(args, first, end, recurrent); break;
            case GateActivation.HardSigmoid: Recurrent<TP, TArgs, HardSigmoidGate>(args, first, end, recurrent); break;
            default: Recurrent<TP, TArgs, LinearGate>(args, first, end, recurrent); break;
        }
    }

    private static void Recurrent<TP, TArgs, TA>(in TArgs args, int first, int end, GateActivation recurrent)
        where TP : struct, IGatePass<TArgs> where TArgs : struct where TA : struct, IGateFunction
    {
        switch (recurrent)
        {
            case GateActivation.Sigmoid: TP.Run<TA, SigmoidGate>(args, first, end); break;
            case GateActivation.Tanh: TP.Run<TA, TanhGate>(args, first, end); break;
            case GateActivation.Relu: TP.Run<TA, ReluGate>(args, first, end); break;
            case GateActivation.HardSigmoid: TP.Run<TA, HardSigmoidGate>(args, first, end); break;
            default: TP.Run<TA, LinearGate>(args, first, end); break;
        }
    }

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

/// <summary>
/// The exponential inside the gate passes, inlined into them (the runtime's vector Exp is a call, and the
/// tanh built on expm1 adds a log): e^x = 2ⁿ·p(r) with n = round(x·log₂e), r = x − n·ln 2 (ln 2 split in two
/// so r is exact) and p the degree-6 minimax polynomial of e^r on [−ln2/2, ln2/2] (Cephes' coefficients),
/// about one ulp. Inputs are clamped to [−80, 80], so results stay normal floats (no slow subnormals) and
/// sigmoid's tails are 1.8e-35 from 0 and exactly 1; tanh = (1 − e^−2|x|)/(1 + e^−2|x|) with x's sign is
/// within 1e-7 of the exact value.
/// </summary>
internal static class GateExp
{
    internal const float Low = -80f, High = 80f;
    internal const float Log2E = 1.44269504088896341f;
    internal const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    internal const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
        P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate512 Sigmoid(Gate512 x) => new(Vector512<float>.One / (Vector512<float>.One + Exp(-x._v)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate512 Tanh(Gate512 x)
    {
        var e = Exp(Vector512.Create(-2f) * Vector512.Abs(x._v));
        return new(Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), x._v));
    }

    /// <summary>e^x, see <see cref="GateExp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(GateExp.Low)), Vector512.Create(GateExp.High));
        var n = Vector512.Floor(Vector512.FusedMultiplyAdd(x, Vector512.Create(GateExp.Log2E), Vector512.Create(0.5f)));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-GateExp.Ln2High), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-GateExp.Ln2Low), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(GateExp.P0), r, Vector512.Create(GateExp.P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(GateExp.P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(GateExp.P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(GateExp.P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(GateExp.P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        // n is a whole number within ±116: the plain truncating conversion suffices (the portable one adds a
        // saturation fix-up of three instructions, five times per cell).
        var scale = Vector512.ShiftLeft(Avx512F.ConvertToVector512Int32WithTruncation(n) + Vector512.Create(127), 23).AsSingle();
        return p * scale;
    }
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate256 Sigmoid(Gate256 x) => new(Vector256<float>.One / (Vector256<float>.One + Exp(-x._v)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate256 Tanh(Gate256 x)
    {
        var e = Exp(Vector256.Create(-2f) * Vector256.Abs(x._v));
        return new(Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), x._v));
    }

    /// <summary>e^x, see <see cref="GateExp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(GateExp.Low)), Vector256.Create(GateExp.High));
        var n = Vector256.Floor(Vector256.FusedMultiplyAdd(x, Vector256.Create(GateExp.Log2E), Vector256.Create(0.5f)));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-GateExp.Ln2High), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-GateExp.Ln2Low), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(GateExp.P0), r, Vector256.Create(GateExp.P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(GateExp.P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(GateExp.P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(GateExp.P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(GateExp.P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return p * scale;
    }
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Sigmoid(Gate1 x) => new(1f / (1f + Exp(-x._v)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Gate1 Tanh(Gate1 x)
    {
        float e = Exp(-2f * MathF.Abs(x._v));
        return new(MathF.CopySign((1f - e) / (1f + e), x._v));
    }

    /// <summary>e^x with the same steps as the vector widths, so every lane computes the same value.</summary>
    private static float Exp(float x)
    {
        x = MathF.Min(MathF.Max(x, GateExp.Low), GateExp.High);
        float n = MathF.Floor(MathF.FusedMultiplyAdd(x, GateExp.Log2E, 0.5f));
        float r = MathF.FusedMultiplyAdd(n, -GateExp.Ln2High, x);
        r = MathF.FusedMultiplyAdd(n, -GateExp.Ln2Low, r);
        float p = MathF.FusedMultiplyAdd(GateExp.P0, r, GateExp.P1);
        p = MathF.FusedMultiplyAdd(p, r, GateExp.P2);
        p = MathF.FusedMultiplyAdd(p, r, GateExp.P3);
        p = MathF.FusedMultiplyAdd(p, r, GateExp.P4);
        p = MathF.FusedMultiplyAdd(p, r, GateExp.P5);
        p = MathF.FusedMultiplyAdd(p, r * r, r + 1f);
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Clamp(Gate1 x, float lower, float upper) => new(MathF.Min(MathF.Max(x._v, lower), upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Gate1 Inside(Gate1 y, float lower, float upper) => new(y._v > lower && y._v < upper ? 1f : 0f);
}

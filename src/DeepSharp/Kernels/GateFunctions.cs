using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The activations a recurrent cell may use inside its fused gate pass. Each is monotone, so its derivative
/// can be read from its output alone and backward needs only the saved activated gates.
/// </summary>
internal enum GateFunctionKind
{
    Tanh,
    Sigmoid,
    Relu,
    Linear,
    HardSigmoid,
}

/// <summary>
/// A gate activation and its derivative from the output, as a type, so a gate pass is compiled per activation.
/// The forward math is the activation's own (<see cref="TanhFunction"/>, …), so a gate computes what the op does.
/// </summary>
internal interface IGateFunction
{
    static abstract TL Apply<TL>(TL x) where TL : struct, ILanes<TL>;

    /// <summary>The derivative at the input that produced <paramref name="y"/>.</summary>
    static abstract TL Derivative<TL>(TL y) where TL : struct, ILanes<TL>;
}

internal readonly struct TanhGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, ILanes<TL> => default(TanhFunction).Apply(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, ILanes<TL> => TL.Broadcast(1f) - y * y;
}

internal readonly struct SigmoidGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, ILanes<TL> => default(SigmoidFunction).Apply(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, ILanes<TL> => y * (TL.Broadcast(1f) - y);
}

internal readonly struct ReluGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, ILanes<TL> => default(ReluFunction).Apply(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, ILanes<TL> => TL.GreaterThan(y, TL.Broadcast(0f)) & TL.Broadcast(1f);
}

internal readonly struct LinearGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Apply<TL>(TL x) where TL : struct, ILanes<TL> => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TL Derivative<TL>(TL y) where TL : struct, ILanes<TL> => TL.Broadcast(1f);
}

/// <summary>relu6(x + 3) / 6, as Keras 3 and PyTorch; the derivative is 1/6 strictly inside (0, 1).</summary>
internal readonly struct HardSigmoidGate : IGateFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TL Apply<TL>(TL x) where TL : struct, ILanes<TL> => new ReluSixFunction(3f, 6f).Apply(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TL Derivative<TL>(TL y) where TL : struct, ILanes<TL> =>
        TL.GreaterThan(y, TL.Broadcast(0f)) & TL.LessThan(y, TL.Broadcast(1f)) & TL.Broadcast(1f / 6f);
}

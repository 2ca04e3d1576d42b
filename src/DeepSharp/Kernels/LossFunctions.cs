using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

// The math of the elementwise losses, one struct per formula written once over lanes: each loss's term f(p, t)
// of a prediction p and its target t, summed by VectorSum, and its derivative in p times a scale (the upstream
// gradient over the divisor), mapped by VectorLoop. The ops in Ops/Losses.cs choose the divisor (elements or rows)
// and record the graph.

/// <summary>(p − t)².</summary>
internal readonly struct SquaredError : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T> => (p - t) * (p - t);
}

/// <summary>d/dp = 2(p − t) · scale.</summary>
internal readonly struct SquaredErrorGradient(float scale) : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T> => T.Broadcast(2f) * (p - t) * T.Broadcast(scale);
}

/// <summary>|p − t|.</summary>
internal readonly struct AbsoluteError : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T> => T.Abs(p - t);
}

/// <summary>d/dp = sign(p − t) · scale, 0 where p = t.</summary>
internal readonly struct AbsoluteErrorGradient(float scale) : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T> =>
        (T.GreaterThan(p, t) & T.Broadcast(scale)) - (T.LessThan(p, t) & T.Broadcast(scale));
}

/// <summary>
/// Huber: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond, with e = p − t; both pieces are m(|e| − ½m) for m = min(|e|, δ).
/// </summary>
internal readonly struct HuberError(float delta) : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T>
    {
        var a = T.Abs(p - t);
        var m = T.Min(a, T.Broadcast(delta));
        return m * (a - T.Broadcast(0.5f) * m);
    }
}

/// <summary>d/dp = clamp(p − t, −δ, δ) · scale.</summary>
internal readonly struct HuberErrorGradient(float delta, float scale) : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T> =>
        T.Min(T.Max(p - t, T.Broadcast(-delta)), T.Broadcast(delta)) * T.Broadcast(scale);
}

/// <summary>Kullback–Leibler term t·log(t / p), both clipped to [ε, 1] as Keras.</summary>
internal readonly struct KLDivergenceTerm : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T>
    {
        var tc = T.Min(T.Max(t, T.Broadcast(Epsilon)), T.Broadcast(1f));
        var pc = T.Min(T.Max(p, T.Broadcast(Epsilon)), T.Broadcast(1f));
        return tc * T.Log(tc / pc);
    }
}

/// <summary>d/dp = −clip(t) / p · scale where p is inside [ε, 1] (the clip passes no gradient), else 0.</summary>
internal readonly struct KLDivergenceGradient(float scale) : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T t) where T : struct, ILanes<T>
    {
        var tc = T.Min(T.Max(t, T.Broadcast(Epsilon)), T.Broadcast(1f));
        var clipped = T.LessThan(p, T.Broadcast(Epsilon)) | T.GreaterThan(p, T.Broadcast(1f));
        return T.Select(clipped, T.Broadcast(0f), -tc / p * T.Broadcast(scale));
    }
}

/// <summary>Binary cross-entropy on a probability p clipped to [ε, 1 − ε]: −(z·log p + (1 − z)·log(1 − p)), as Keras.</summary>
internal readonly struct BinaryCrossentropyTerm : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T z) where T : struct, ILanes<T>
    {
        var one = T.Broadcast(1f);
        var pc = T.Min(T.Max(p, T.Broadcast(Epsilon)), T.Broadcast(1f - Epsilon));
        return -(z * T.Log(pc) + (one - z) * T.Log(one - pc));
    }
}

/// <summary>d/dp = (p − z) / (p(1 − p)) · scale where p is inside [ε, 1 − ε], else 0.</summary>
internal readonly struct BinaryCrossentropyGradient(float scale) : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T p, T z) where T : struct, ILanes<T>
    {
        var clipped = T.LessThan(p, T.Broadcast(Epsilon)) | T.GreaterThan(p, T.Broadcast(1f - Epsilon));
        return T.Select(clipped, T.Broadcast(0f), T.Broadcast(scale) * (p - z) / (p * (T.Broadcast(1f) - p)));
    }
}

/// <summary>
/// Binary cross-entropy from a logit x: softplus(x) − x·z = max(x, 0) − x·z + log(1 + e^−|x|), which never
/// overflows (the sigmoid is fused into the loss).
/// </summary>
internal readonly struct LogisticLossTerm : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T z) where T : struct, ILanes<T> => default(SoftplusFunction).Apply(x) - x * z;
}

/// <summary>d/dx of <see cref="LogisticLossTerm"/> from the sigmoid s of x: (s − z) · scale.</summary>
internal readonly struct LogisticLossGradient(float scale) : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T s, T z) where T : struct, ILanes<T> => (s - z) * T.Broadcast(scale);
}

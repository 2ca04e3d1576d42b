using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

// The math of the elementwise functions of Ops/UnaryMath.cs, forward (x → y) and backward ((x or y, g) → dx).

/// <summary>y = e^x (<see cref="LaneMath.Exp{T}"/>, the exponential of every other kernel).</summary>
internal readonly struct ExpFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => LaneMath.Exp(x);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>y = ln x.</summary>
internal readonly struct LogOperator : IUnaryOperator
{
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Log(x, d);
}

/// <summary>y = √x.</summary>
internal readonly struct SqrtOperator : IUnaryOperator
{
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sqrt(x, d);
}

/// <summary>y = |x|.</summary>
internal readonly struct AbsOperator : IUnaryOperator
{
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Abs(x, d);
}

/// <summary>y = x².</summary>
internal readonly struct SquareOperator : IUnaryOperator
{
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Multiply(x, x, d);
}

/// <summary>y = min(max(x, lower), upper).</summary>
internal readonly struct ClampOperator(float lower, float upper) : IUnaryOperator
{
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Clamp(x, lower, upper, d);
}

/// <summary>y = 1, 0 or -1 by the sign of x; NaN stays NaN (as NumPy).</summary>
internal readonly struct SignFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T>
    {
        var one = T.Broadcast(1f);
        var zero = T.Broadcast(0f);
        var sign = (T.GreaterThan(x, zero) & one) - (T.LessThan(x, zero) & one);
        return T.Select(T.Equal(x, x), sign, x);
    }

    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · s: the backward of exp (s = y) and of any op whose derivative was saved.</summary>
internal readonly struct ProductGradient : IGradientOperator
{
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => TensorPrimitives.Multiply(s, g, d);
}

/// <summary>dx = g / x: the backward of log.</summary>
internal readonly struct QuotientGradient : IGradientOperator
{
    public void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> d) => TensorPrimitives.Divide(g, x, d);
}

/// <summary>dx = g / (2y): the backward of sqrt, from the output.</summary>
internal readonly struct SqrtGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T y, T g) where T : struct, ILanes<T> => T.Broadcast(0.5f) * g / y;
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>dx = g · sign(x), 0 at x = 0 (as PyTorch).</summary>
internal readonly struct AbsGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> =>
        (T.GreaterThan(x, T.Broadcast(0f)) & g) - (T.LessThan(x, T.Broadcast(0f)) & g);
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>dx = 2x · g: the backward of square.</summary>
internal readonly struct SquareGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> => (x + x) * g;
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>dx = g where lower ≤ x ≤ upper, else 0 (the backward of clip, as PyTorch's clamp).</summary>
internal readonly struct ClosedIntervalGradient(float lower, float upper) : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> =>
        T.GreaterThanOrEqual(x, T.Broadcast(lower)) & T.LessThanOrEqual(x, T.Broadcast(upper)) & g;
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

// The math of the activations, forward (x → y) and backward ((x or y, g) → dx), one struct per formula, each
// written once over lanes. The ops in Ops/Activations.cs choose which saved value (input or output) each
// backward reads.

/// <summary>y = 1 / (1 + e^-x) (<see cref="LaneMath.Sigmoid{T}"/>, the recurrent gates' sigmoid too).</summary>
internal readonly struct SigmoidFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => LaneMath.Sigmoid(x);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · y · (1 - y), from the output.</summary>
internal readonly struct SigmoidGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T y, T g) where T : struct, ILanes<T> => g * y * (T.Broadcast(1f) - y);
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>
/// y = tanh x (<see cref="LaneMath.Tanh{T}"/>, the recurrent gates' tanh too; TensorPrimitives.Tanh loses
/// relative accuracy near 0, 3e-4 at x = 1e-4).
/// </summary>
internal readonly struct TanhFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => LaneMath.Tanh(x);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · (1 - y²), from the output.</summary>
internal readonly struct TanhGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T y, T g) where T : struct, ILanes<T> => g * (T.Broadcast(1f) - y * y);
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = max(x, 0) (NaN stays NaN).</summary>
internal readonly struct ReluFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => T.Max(x, T.Broadcast(0f));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g where x &gt; 0, else 0 (0 at 0, as PyTorch).</summary>
internal readonly struct ReluGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> => T.GreaterThan(x, T.Broadcast(0f)) & g;
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>
/// dx = g where x &gt; lower and x &lt; upper, else 0: the gradient of relu6 (0, 6) and the
/// linear piece of hard sigmoid, scaled by <c>slope</c>. Boundaries get 0, as PyTorch's hardtanh.
/// </summary>
internal readonly struct OpenIntervalGradient(float lower, float upper, float slope) : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> =>
        T.GreaterThan(x, T.Broadcast(lower)) & T.LessThan(x, T.Broadcast(upper)) & (g * T.Broadcast(slope));
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x for x &gt; 0, αx otherwise.</summary>
internal readonly struct LeakyReluFunction(float alpha) : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => T.Select(T.GreaterThan(x, T.Broadcast(0f)), x, x * T.Broadcast(alpha));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g for x &gt; 0, αg otherwise (α at 0, as PyTorch).</summary>
internal readonly struct LeakyReluGradient(float alpha) : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> => T.Select(T.GreaterThan(x, T.Broadcast(0f)), g, g * T.Broadcast(alpha));
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = scale · (x for x &gt; 0, α(e^x - 1) otherwise): ELU with scale 1, SELU with its constants.</summary>
internal readonly struct EluFunction(float alpha, float scale) : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> =>
        T.Broadcast(scale) * T.Select(T.GreaterThan(x, T.Broadcast(0f)), x, T.Broadcast(alpha) * LaneMath.ExpM1(x));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · scale · (1 for x &gt; 0, αe^x otherwise).</summary>
internal readonly struct EluGradient(float alpha, float scale) : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> =>
        g * T.Broadcast(scale) * T.Select(T.GreaterThan(x, T.Broadcast(0f)), T.Broadcast(1f), T.Broadcast(alpha) * LaneMath.Exp(x));
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x · Φ(x) = x/2 · (1 + erf(x/√2)), the exact GELU (Φ by <see cref="LaneMath.NormalCdf{T}"/>).</summary>
internal readonly struct GeluFunction : IUnaryFunction, IUnaryOperator
{
    internal const float InverseSqrt2 = 0.70710678118654752f;
    internal const float InverseSqrt2Pi = 0.39894228040143268f;

    /// <summary>
    /// Whether Φ is <see cref="LaneMath.NormalCdf{T}"/> (the default); false takes ½·(1 + erf(x/√2)) by
    /// <see cref="LaneMath.Erf{T}(T, out T)"/>, the form before it (other bits: its left tail cancels to 0), for A/B
    /// comparisons. Starts false when the environment variable <c>DEEPSHARP_GELU</c> is <c>erf</c>.
    /// </summary>
    internal static bool NormalCdfForm { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_GELU"), "erf", StringComparison.OrdinalIgnoreCase);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => Value(x, Cdf(x, out _));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);

    /// <summary>Φ(x), and the density φ(x) for the derivative, by the form <see cref="NormalCdfForm"/> chooses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Cdf<T>(T x, out T density) where T : struct, ILanes<T>
    {
        if (NormalCdfForm) return LaneMath.NormalCdf(x, out density);
        var erf = LaneMath.Erf(x * T.Broadcast(InverseSqrt2), out var gaussian);
        density = T.Broadcast(InverseSqrt2Pi) * gaussian;
        return T.Broadcast(0.5f) * (T.Broadcast(1f) + erf);
    }

    /// <summary>GELU at x, given Φ(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Value<T>(T x, T cdf) where T : struct, ILanes<T> => x * cdf;
}

/// <summary>dx = g · (Φ(x) + x·φ(x)).</summary>
internal readonly struct GeluGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T>
    {
        var cdf = GeluFunction.Cdf(x, out var density);
        return g * Derivative(x, cdf, density);
    }

    /// <summary>
    /// GELU's derivative Φ(x) + x·φ(x) at x from Φ(x) and φ(x), both of which <see cref="GeluFunction.Cdf"/> gives (and the
    /// forward value needs Φ too): what <see cref="Apply"/> multiplies the gradient by, so a pass that has them keeps its bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Derivative<T>(T x, T cdf, T density) where T : struct, ILanes<T> =>
        GeluFunction.NormalCdfForm ? T.MultiplyAdd(x, density, cdf) : cdf + x * density;

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))), GELU's tanh approximation.</summary>
internal readonly struct GeluTanhFunction : IUnaryFunction, IUnaryOperator
{
    internal const float K = 0.79788456080286536f; // √(2/π)
    internal const float C = 0.044715f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> =>
        T.Broadcast(0.5f) * x * (T.Broadcast(1f) + LaneMath.Tanh(T.Broadcast(K) * (x + T.Broadcast(C) * x * x * x)));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · (½(1 + t) + ½x(1 - t²)·√(2/π)(1 + 3·0.044715 x²)), t the tanh above.</summary>
internal readonly struct GeluTanhGradient : IBinaryFunction, IGradientOperator
{
    private const float K = GeluTanhFunction.K, C = GeluTanhFunction.C;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T>
    {
        var half = T.Broadcast(0.5f);
        var one = T.Broadcast(1f);
        var x2 = x * x;
        var t = LaneMath.Tanh(T.Broadcast(K) * (x + T.Broadcast(C) * x2 * x));
        var slope = half * x * (one - t * t) * T.Broadcast(K) * (one + T.Broadcast(3f * C) * x2);
        return g * (half * (one + t) + slope);
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so it neither overflows nor loses small values.</summary>
internal readonly struct SoftplusFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => T.Max(x, T.Broadcast(0f)) + LaneMath.Log1P(LaneMath.Exp(-T.Abs(x)));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · sigmoid(x).</summary>
internal readonly struct SoftplusGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T> => g * LaneMath.Sigmoid(x);
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x / (1 + |x|).</summary>
internal readonly struct SoftsignFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => x / (T.Broadcast(1f) + T.Abs(x));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g / (1 + |x|)².</summary>
internal readonly struct SoftsignGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T>
    {
        var q = T.Broadcast(1f) + T.Abs(x);
        return g / (q * q);
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x · sigmoid(x) (swish, SiLU).</summary>
internal readonly struct SwishFunction : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> => x * LaneMath.Sigmoid(x);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · s · (1 + x(1 - s)), s = sigmoid(x).</summary>
internal readonly struct SwishGradient : IBinaryFunction, IGradientOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T g) where T : struct, ILanes<T>
    {
        var s = LaneMath.Sigmoid(x);
        return g * s * (T.Broadcast(1f) + x * (T.Broadcast(1f) - s));
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>
/// y = min(max(x + shift, 0), 6) / divisor: relu6 (shift 0, divisor 1) and hard sigmoid, relu6(x + 3) / 6
/// (shift 3, divisor 6), in the order PyTorch computes them.
/// </summary>
internal readonly struct ReluSixFunction(float shift, float divisor) : IUnaryFunction, IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x) where T : struct, ILanes<T> =>
        T.Min(T.Max(x + T.Broadcast(shift), T.Broadcast(0f)), T.Broadcast(6f)) / T.Broadcast(divisor);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

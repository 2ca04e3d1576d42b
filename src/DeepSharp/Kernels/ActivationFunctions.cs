using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

// The math of the activations, forward (x → y) and backward ((x or y, g) → dx), one struct per formula.
// The ops in Ops/Activations.cs choose which saved value (input or output) each backward reads.

/// <summary>y = 1 / (1 + e^-x) (on the vector exp, faster than TensorPrimitives.Sigmoid).</summary>
internal readonly struct SigmoidFunction : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => VectorMath.Sigmoid(x);
    public Vector256<float> Apply(Vector256<float> x) => VectorMath.Sigmoid(x);
    public Vector512<float> Apply(Vector512<float> x) => VectorMath.Sigmoid(x);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · y · (1 - y), from the output.</summary>
internal readonly struct SigmoidGradient : IBinaryFunction, IGradientOperator
{
    public float Apply(float y, float g) => g * y * (1f - y);
    public Vector256<float> Apply(Vector256<float> y, Vector256<float> g) => g * y * (Vector256<float>.One - y);
    public Vector512<float> Apply(Vector512<float> y, Vector512<float> g) => g * y * (Vector512<float>.One - y);
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = tanh x (our own: TensorPrimitives.Tanh loses relative accuracy near 0, 3e-4 at x = 1e-4).</summary>
internal readonly struct TanhFunction : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => VectorMath.Tanh(x);
    public Vector256<float> Apply(Vector256<float> x) => VectorMath.Tanh(x);
    public Vector512<float> Apply(Vector512<float> x) => VectorMath.Tanh(x);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · (1 - y²), from the output.</summary>
internal readonly struct TanhGradient : IBinaryFunction, IGradientOperator
{
    public float Apply(float y, float g) => g * (1f - y * y);
    public Vector256<float> Apply(Vector256<float> y, Vector256<float> g) => g * (Vector256<float>.One - y * y);
    public Vector512<float> Apply(Vector512<float> y, Vector512<float> g) => g * (Vector512<float>.One - y * y);
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = max(x, 0) (NaN stays NaN).</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Max(x, 0f, d);
}

/// <summary>dx = g where x &gt; 0, else 0 (0 at 0, as PyTorch).</summary>
internal readonly struct ReluGradient : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g) => x > 0f ? g : 0f;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g) => Vector256.GreaterThan(x, Vector256<float>.Zero) & g;
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g) => Vector512.GreaterThan(x, Vector512<float>.Zero) & g;
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>
/// dx = g where x &gt; lower and x &lt; upper, else 0: the gradient of relu6 (0, 6) and the
/// linear piece of hard sigmoid, scaled by <c>slope</c>. Boundaries get 0, as PyTorch's hardtanh.
/// </summary>
internal readonly struct OpenIntervalGradient(float lower, float upper, float slope) : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g) => x > lower && x < upper ? g * slope : 0f;

    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g)
    {
        var inside = Vector256.GreaterThan(x, Vector256.Create(lower)) & Vector256.LessThan(x, Vector256.Create(upper));
        return inside & (g * Vector256.Create(slope));
    }

    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g)
    {
        var inside = Vector512.GreaterThan(x, Vector512.Create(lower)) & Vector512.LessThan(x, Vector512.Create(upper));
        return inside & (g * Vector512.Create(slope));
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x for x &gt; 0, αx otherwise.</summary>
internal readonly struct LeakyReluFunction(float alpha) : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => x > 0f ? x : alpha * x;
    public Vector256<float> Apply(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * Vector256.Create(alpha));
    public Vector512<float> Apply(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * Vector512.Create(alpha));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g for x &gt; 0, αg otherwise (α at 0, as PyTorch).</summary>
internal readonly struct LeakyReluGradient(float alpha) : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g) => x > 0f ? g : alpha * g;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), g, g * Vector256.Create(alpha));
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), g, g * Vector512.Create(alpha));
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = scale · (x for x &gt; 0, α(e^x - 1) otherwise): ELU with scale 1, SELU with its constants.</summary>
internal readonly struct EluFunction(float alpha, float scale) : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => scale * (x > 0f ? x : alpha * VectorMath.ExpM1(x));
    public Vector256<float> Apply(Vector256<float> x) => Vector256.Create(scale) *
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256.Create(alpha) * VectorMath.ExpM1(x));
    public Vector512<float> Apply(Vector512<float> x) => Vector512.Create(scale) *
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512.Create(alpha) * VectorMath.ExpM1(x));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · scale · (1 for x &gt; 0, αe^x otherwise).</summary>
internal readonly struct EluGradient(float alpha, float scale) : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g) => g * scale * (x > 0f ? 1f : alpha * MathF.Exp(x));
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g) => g * Vector256.Create(scale) *
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(alpha) * Vector256.Exp(x));
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g) => g * Vector512.Create(scale) *
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(alpha) * Vector512.Exp(x));
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x · Φ(x) = x/2 · (1 + erf(x/√2)), the exact GELU.</summary>
internal readonly struct GeluFunction : IUnaryFunction, IUnaryOperator
{
    internal const float InverseSqrt2 = 0.70710678118654752f;
    internal const float InverseSqrt2Pi = 0.39894228040143268f;

    public float Apply(float x) => 0.5f * x * (1f + VectorMath.Erf(x * InverseSqrt2));
    public Vector256<float> Apply(Vector256<float> x) =>
        Vector256.Create(0.5f) * x * (Vector256<float>.One + VectorMath.Erf(x * Vector256.Create(InverseSqrt2)));
    public Vector512<float> Apply(Vector512<float> x) =>
        Vector512.Create(0.5f) * x * (Vector512<float>.One + VectorMath.Erf(x * Vector512.Create(InverseSqrt2)));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · (Φ(x) + x·φ(x)).</summary>
internal readonly struct GeluGradient : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g) =>
        g * (0.5f * (1f + VectorMath.Erf(x * GeluFunction.InverseSqrt2)) + x * GeluFunction.InverseSqrt2Pi * MathF.Exp(-0.5f * x * x));

    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g)
    {
        var cdf = Vector256.Create(0.5f) * (Vector256<float>.One + VectorMath.Erf(x * Vector256.Create(GeluFunction.InverseSqrt2)));
        var pdf = Vector256.Create(GeluFunction.InverseSqrt2Pi) * Vector256.Exp(Vector256.Create(-0.5f) * x * x);
        return g * (cdf + x * pdf);
    }

    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g)
    {
        var cdf = Vector512.Create(0.5f) * (Vector512<float>.One + VectorMath.Erf(x * Vector512.Create(GeluFunction.InverseSqrt2)));
        var pdf = Vector512.Create(GeluFunction.InverseSqrt2Pi) * Vector512.Exp(Vector512.Create(-0.5f) * x * x);
        return g * (cdf + x * pdf);
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))), GELU's tanh approximation.</summary>
internal readonly struct GeluTanhFunction : IUnaryFunction, IUnaryOperator
{
    internal const float K = 0.79788456080286536f; // √(2/π)
    internal const float C = 0.044715f;

    public float Apply(float x) => 0.5f * x * (1f + VectorMath.Tanh(K * (x + C * x * x * x)));
    public Vector256<float> Apply(Vector256<float> x) =>
        Vector256.Create(0.5f) * x * (Vector256<float>.One + VectorMath.Tanh(Vector256.Create(K) * (x + Vector256.Create(C) * x * x * x)));
    public Vector512<float> Apply(Vector512<float> x) =>
        Vector512.Create(0.5f) * x * (Vector512<float>.One + VectorMath.Tanh(Vector512.Create(K) * (x + Vector512.Create(C) * x * x * x)));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · (½(1 + t) + ½x(1 - t²)·√(2/π)(1 + 3·0.044715 x²)), t the tanh above.</summary>
internal readonly struct GeluTanhGradient : IBinaryFunction, IGradientOperator
{
    private const float K = GeluTanhFunction.K, C = GeluTanhFunction.C;

    public float Apply(float x, float g)
    {
        float x2 = x * x;
        float t = VectorMath.Tanh(K * (x + C * x2 * x));
        return g * (0.5f * (1f + t) + 0.5f * x * (1f - t * t) * K * (1f + 3f * C * x2));
    }

    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g)
    {
        var half = Vector256.Create(0.5f);
        var x2 = x * x;
        var t = VectorMath.Tanh(Vector256.Create(K) * (x + Vector256.Create(C) * x2 * x));
        var slope = half * x * (Vector256<float>.One - t * t) * Vector256.Create(K) * (Vector256<float>.One + Vector256.Create(3f * C) * x2);
        return g * (half * (Vector256<float>.One + t) + slope);
    }

    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g)
    {
        var half = Vector512.Create(0.5f);
        var x2 = x * x;
        var t = VectorMath.Tanh(Vector512.Create(K) * (x + Vector512.Create(C) * x2 * x));
        var slope = half * x * (Vector512<float>.One - t * t) * Vector512.Create(K) * (Vector512<float>.One + Vector512.Create(3f * C) * x2);
        return g * (half * (Vector512<float>.One + t) + slope);
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so it neither overflows nor loses small values.</summary>
internal readonly struct SoftplusFunction : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => MathF.Max(x, 0f) + VectorMath.Log1P(MathF.Exp(-MathF.Abs(x)));
    public Vector256<float> Apply(Vector256<float> x) =>
        Vector256.Max(x, Vector256<float>.Zero) + VectorMath.Log1P(Vector256.Exp(-Vector256.Abs(x)));
    public Vector512<float> Apply(Vector512<float> x) =>
        Vector512.Max(x, Vector512<float>.Zero) + VectorMath.Log1P(Vector512.Exp(-Vector512.Abs(x)));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · sigmoid(x).</summary>
internal readonly struct SoftplusGradient : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g) => g * VectorMath.Sigmoid(x);
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g) => g * VectorMath.Sigmoid(x);
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g) => g * VectorMath.Sigmoid(x);
    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x / (1 + |x|).</summary>
internal readonly struct SoftsignFunction : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => x / (1f + MathF.Abs(x));
    public Vector256<float> Apply(Vector256<float> x) => x / (Vector256<float>.One + Vector256.Abs(x));
    public Vector512<float> Apply(Vector512<float> x) => x / (Vector512<float>.One + Vector512.Abs(x));
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g / (1 + |x|)².</summary>
internal readonly struct SoftsignGradient : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g)
    {
        float q = 1f + MathF.Abs(x);
        return g / (q * q);
    }

    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g)
    {
        var q = Vector256<float>.One + Vector256.Abs(x);
        return g / (q * q);
    }

    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g)
    {
        var q = Vector512<float>.One + Vector512.Abs(x);
        return g / (q * q);
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>y = x · sigmoid(x) (swish, SiLU).</summary>
internal readonly struct SwishFunction : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => x * VectorMath.Sigmoid(x);
    public Vector256<float> Apply(Vector256<float> x) => x * VectorMath.Sigmoid(x);
    public Vector512<float> Apply(Vector512<float> x) => x * VectorMath.Sigmoid(x);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

/// <summary>dx = g · s · (1 + x(1 - s)), s = sigmoid(x).</summary>
internal readonly struct SwishGradient : IBinaryFunction, IGradientOperator
{
    public float Apply(float x, float g)
    {
        float s = VectorMath.Sigmoid(x);
        return g * s * (1f + x * (1f - s));
    }

    public Vector256<float> Apply(Vector256<float> x, Vector256<float> g)
    {
        var s = VectorMath.Sigmoid(x);
        return g * s * (Vector256<float>.One + x * (Vector256<float>.One - s));
    }

    public Vector512<float> Apply(Vector512<float> x, Vector512<float> g)
    {
        var s = VectorMath.Sigmoid(x);
        return g * s * (Vector512<float>.One + x * (Vector512<float>.One - s));
    }

    public void Invoke(ReadOnlySpan<float> s, ReadOnlySpan<float> g, Span<float> d) => VectorLoop.Map(this, s, g, d);
}

/// <summary>
/// y = min(max(x + shift, 0), 6) / divisor: relu6 (shift 0, divisor 1) and hard sigmoid, relu6(x + 3) / 6
/// (shift 3, divisor 6), in the order PyTorch computes them.
/// </summary>
internal readonly struct ReluSixFunction(float shift, float divisor) : IUnaryFunction, IUnaryOperator
{
    public float Apply(float x) => MathF.Min(MathF.Max(x + shift, 0f), 6f) / divisor;
    public Vector256<float> Apply(Vector256<float> x) =>
        Vector256.Min(Vector256.Max(x + Vector256.Create(shift), Vector256<float>.Zero), Vector256.Create(6f)) / Vector256.Create(divisor);
    public Vector512<float> Apply(Vector512<float> x) =>
        Vector512.Min(Vector512.Max(x + Vector512.Create(shift), Vector512<float>.Zero), Vector512.Create(6f)) / Vector512.Create(divisor);
    public void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorLoop.Map(this, x, d);
}

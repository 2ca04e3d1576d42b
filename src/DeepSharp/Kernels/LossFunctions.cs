using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

// The math of the elementwise losses, one struct per formula: each loss's term f(p, t) of a prediction p and its
// target t, summed by VectorSum, and its derivative in p times a scale (the upstream gradient over the divisor),
// mapped by VectorLoop. The ops in Ops/Losses.cs choose the divisor (elements or rows) and record the graph.

/// <summary>(p − t)².</summary>
internal readonly struct SquaredError : IBinaryFunction
{
    public float Apply(float p, float t) => (p - t) * (p - t);
    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t) => (p - t) * (p - t);
    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t) => (p - t) * (p - t);
}

/// <summary>d/dp = 2(p − t) · scale.</summary>
internal readonly struct SquaredErrorGradient(float scale) : IBinaryFunction
{
    public float Apply(float p, float t) => 2f * (p - t) * scale;
    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t) => Vector256.Create(2f) * (p - t) * Vector256.Create(scale);
    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t) => Vector512.Create(2f) * (p - t) * Vector512.Create(scale);
}

/// <summary>|p − t|.</summary>
internal readonly struct AbsoluteError : IBinaryFunction
{
    public float Apply(float p, float t) => MathF.Abs(p - t);
    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t) => Vector256.Abs(p - t);
    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t) => Vector512.Abs(p - t);
}

/// <summary>d/dp = sign(p − t) · scale, 0 where p = t.</summary>
internal readonly struct AbsoluteErrorGradient(float scale) : IBinaryFunction
{
    public float Apply(float p, float t) => p > t ? scale : p < t ? -scale : 0f;

    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t)
    {
        var s = Vector256.Create(scale);
        return (Vector256.GreaterThan(p, t) & s) - (Vector256.LessThan(p, t) & s);
    }

    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t)
    {
        var s = Vector512.Create(scale);
        return (Vector512.GreaterThan(p, t) & s) - (Vector512.LessThan(p, t) & s);
    }
}

/// <summary>
/// Huber: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond, with e = p − t; both pieces are m(|e| − ½m) for m = min(|e|, δ).
/// </summary>
internal readonly struct HuberError(float delta) : IBinaryFunction
{
    public float Apply(float p, float t)
    {
        float a = MathF.Abs(p - t), m = MathF.Min(a, delta);
        return m * (a - 0.5f * m);
    }

    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t)
    {
        var a = Vector256.Abs(p - t);
        var m = Vector256.Min(a, Vector256.Create(delta));
        return m * (a - Vector256.Create(0.5f) * m);
    }

    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t)
    {
        var a = Vector512.Abs(p - t);
        var m = Vector512.Min(a, Vector512.Create(delta));
        return m * (a - Vector512.Create(0.5f) * m);
    }
}

/// <summary>d/dp = clamp(p − t, −δ, δ) · scale.</summary>
internal readonly struct HuberErrorGradient(float delta, float scale) : IBinaryFunction
{
    public float Apply(float p, float t) => Math.Clamp(p - t, -delta, delta) * scale;
    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t) =>
        Vector256.Min(Vector256.Max(p - t, Vector256.Create(-delta)), Vector256.Create(delta)) * Vector256.Create(scale);
    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t) =>
        Vector512.Min(Vector512.Max(p - t, Vector512.Create(-delta)), Vector512.Create(delta)) * Vector512.Create(scale);
}

/// <summary>Kullback–Leibler term t·log(t / p), both clipped to [ε, 1] as Keras.</summary>
internal readonly struct KLDivergenceTerm : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    public float Apply(float p, float t)
    {
        float tc = Math.Clamp(t, Epsilon, 1f), pc = Math.Clamp(p, Epsilon, 1f);
        return tc * MathF.Log(tc / pc);
    }

    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t)
    {
        var tc = Vector256.Min(Vector256.Max(t, Vector256.Create(Epsilon)), Vector256<float>.One);
        var pc = Vector256.Min(Vector256.Max(p, Vector256.Create(Epsilon)), Vector256<float>.One);
        return tc * Vector256.Log(tc / pc);
    }

    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t)
    {
        var tc = Vector512.Min(Vector512.Max(t, Vector512.Create(Epsilon)), Vector512<float>.One);
        var pc = Vector512.Min(Vector512.Max(p, Vector512.Create(Epsilon)), Vector512<float>.One);
        return tc * Vector512.Log(tc / pc);
    }
}

/// <summary>d/dp = −clip(t) / p · scale where p is inside [ε, 1] (the clip passes no gradient), else 0.</summary>
internal readonly struct KLDivergenceGradient(float scale) : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    public float Apply(float p, float t) => p < Epsilon || p > 1f ? 0f : -Math.Clamp(t, Epsilon, 1f) / p * scale;

    public Vector256<float> Apply(Vector256<float> p, Vector256<float> t)
    {
        var tc = Vector256.Min(Vector256.Max(t, Vector256.Create(Epsilon)), Vector256<float>.One);
        var clipped = Vector256.LessThan(p, Vector256.Create(Epsilon)) | Vector256.GreaterThan(p, Vector256<float>.One);
        return Vector256.AndNot(-tc / p * Vector256.Create(scale), clipped);
    }

    public Vector512<float> Apply(Vector512<float> p, Vector512<float> t)
    {
        var tc = Vector512.Min(Vector512.Max(t, Vector512.Create(Epsilon)), Vector512<float>.One);
        var clipped = Vector512.LessThan(p, Vector512.Create(Epsilon)) | Vector512.GreaterThan(p, Vector512<float>.One);
        return Vector512.AndNot(-tc / p * Vector512.Create(scale), clipped);
    }
}

/// <summary>Binary cross-entropy on a probability p clipped to [ε, 1 − ε]: −(z·log p + (1 − z)·log(1 − p)), as Keras.</summary>
internal readonly struct BinaryCrossentropyTerm : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    public float Apply(float p, float z)
    {
        float pc = Math.Clamp(p, Epsilon, 1f - Epsilon);
        return -(z * MathF.Log(pc) + (1f - z) * MathF.Log(1f - pc));
    }

    public Vector256<float> Apply(Vector256<float> p, Vector256<float> z)
    {
        var pc = Vector256.Min(Vector256.Max(p, Vector256.Create(Epsilon)), Vector256.Create(1f - Epsilon));
        return -(z * Vector256.Log(pc) + (Vector256<float>.One - z) * Vector256.Log(Vector256<float>.One - pc));
    }

    public Vector512<float> Apply(Vector512<float> p, Vector512<float> z)
    {
        var pc = Vector512.Min(Vector512.Max(p, Vector512.Create(Epsilon)), Vector512.Create(1f - Epsilon));
        return -(z * Vector512.Log(pc) + (Vector512<float>.One - z) * Vector512.Log(Vector512<float>.One - pc));
    }
}

/// <summary>d/dp = (p − z) / (p(1 − p)) · scale where p is inside [ε, 1 − ε], else 0.</summary>
internal readonly struct BinaryCrossentropyGradient(float scale) : IBinaryFunction
{
    private const float Epsilon = CrossEntropyKernels.Epsilon;

    public float Apply(float p, float z) => p < Epsilon || p > 1f - Epsilon ? 0f : scale * (p - z) / (p * (1f - p));

    public Vector256<float> Apply(Vector256<float> p, Vector256<float> z)
    {
        var clipped = Vector256.LessThan(p, Vector256.Create(Epsilon)) | Vector256.GreaterThan(p, Vector256.Create(1f - Epsilon));
        return Vector256.AndNot(Vector256.Create(scale) * (p - z) / (p * (Vector256<float>.One - p)), clipped);
    }

    public Vector512<float> Apply(Vector512<float> p, Vector512<float> z)
    {
        var clipped = Vector512.LessThan(p, Vector512.Create(Epsilon)) | Vector512.GreaterThan(p, Vector512.Create(1f - Epsilon));
        return Vector512.AndNot(Vector512.Create(scale) * (p - z) / (p * (Vector512<float>.One - p)), clipped);
    }
}

/// <summary>
/// Binary cross-entropy from a logit x: softplus(x) − x·z = max(x, 0) − x·z + log(1 + e^−|x|), which never
/// overflows (the sigmoid is fused into the loss).
/// </summary>
internal readonly struct LogisticLossTerm : IBinaryFunction
{
    public float Apply(float x, float z) => default(SoftplusFunction).Apply(x) - x * z;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> z) => default(SoftplusFunction).Apply(x) - x * z;
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> z) => default(SoftplusFunction).Apply(x) - x * z;
}

/// <summary>d/dx of <see cref="LogisticLossTerm"/> from the sigmoid s of x: (s − z) · scale.</summary>
internal readonly struct LogisticLossGradient(float scale) : IBinaryFunction
{
    public float Apply(float s, float z) => (s - z) * scale;
    public Vector256<float> Apply(Vector256<float> s, Vector256<float> z) => (s - z) * Vector256.Create(scale);
    public Vector512<float> Apply(Vector512<float> s, Vector512<float> z) => (s - z) * Vector512.Create(scale);
}

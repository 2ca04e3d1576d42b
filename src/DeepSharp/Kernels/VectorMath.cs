using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// The transcendental helpers activations need beyond what <see cref="Vector512"/> offers (exp, log),
/// written once per width with the same formula, so scalar tails and vector bodies agree.
/// </summary>
internal static class VectorMath
{
    // Abramowitz & Stegun 7.1.26: erf(x) = 1 - (a1 t + ... + a5 t^5) e^(-x²), t = 1 / (1 + p x), for x ≥ 0;
    // absolute error below 1.5e-7, under float32's resolution of erf's values.
    private const float ErfP = 0.3275911f;
    private const float ErfA1 = 0.254829592f, ErfA2 = -0.284496736f, ErfA3 = 1.421413741f, ErfA4 = -1.453152027f, ErfA5 = 1.061405429f;

    // ---- exp(x) - 1, accurate near 0 (Kahan: (u - 1) · x / log u with u = e^x) ----------------------------

    internal static float ExpM1(float x)
    {
        float u = MathF.Exp(x);
        float um1 = u - 1f;
        if (um1 == 0f) return x;
        if (um1 == -1f) return -1f;
        return um1 * x / MathF.Log(u);
    }

    internal static Vector256<float> ExpM1(Vector256<float> x)
    {
        var u = Vector256.Exp(x);
        var um1 = u - Vector256<float>.One;
        var r = um1 * x / Vector256.Log(u);
        r = Vector256.ConditionalSelect(Vector256.Equals(um1, Vector256<float>.Zero), x, r);
        return Vector256.ConditionalSelect(Vector256.Equals(um1, Vector256.Create(-1f)), Vector256.Create(-1f), r);
    }

    internal static Vector512<float> ExpM1(Vector512<float> x)
    {
        var u = Vector512.Exp(x);
        var um1 = u - Vector512<float>.One;
        var r = um1 * x / Vector512.Log(u);
        r = Vector512.ConditionalSelect(Vector512.Equals(um1, Vector512<float>.Zero), x, r);
        return Vector512.ConditionalSelect(Vector512.Equals(um1, Vector512.Create(-1f)), Vector512.Create(-1f), r);
    }

    // ---- log(1 + x) for x ≥ 0, accurate for tiny x (Goldberg: log(u) · x / (u - 1) with u = 1 + x) --------

    internal static float Log1P(float x)
    {
        float u = 1f + x;
        return u == 1f ? x : MathF.Log(u) * x / (u - 1f);
    }

    internal static Vector256<float> Log1P(Vector256<float> x)
    {
        var u = Vector256<float>.One + x;
        var r = Vector256.Log(u) * x / (u - Vector256<float>.One);
        return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<float>.One), x, r);
    }

    internal static Vector512<float> Log1P(Vector512<float> x)
    {
        var u = Vector512<float>.One + x;
        var r = Vector512.Log(u) * x / (u - Vector512<float>.One);
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<float>.One), x, r);
    }

    // ---- sigmoid(x) = 1 / (1 + e^-x): e^-x overflows to ∞ for very negative x, giving exactly 0 -----------

    internal static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    internal static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    internal static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

    // ---- tanh(x) = sign(x) · t / (t + 2), t = expm1(2|x|): accurate near 0 (where 1 - 2/(e^2x + 1) loses
    // digits), and exactly ±1 beyond |x| = 9, where float32 cannot tell tanh from 1 (and t would overflow).

    private const float TanhSaturation = 9f;

    internal static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        if (a > TanhSaturation) return MathF.CopySign(1f, x);
        float t = ExpM1(a + a);
        return MathF.CopySign(t / (t + 2f), x);
    }

    internal static Vector256<float> Tanh(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var t = ExpM1(a + a);
        var r = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(TanhSaturation)), Vector256<float>.One, t / (t + Vector256.Create(2f)));
        return Vector256.CopySign(r, x);
    }

    internal static Vector512<float> Tanh(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var t = ExpM1(a + a);
        var r = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(TanhSaturation)), Vector512<float>.One, t / (t + Vector512.Create(2f)));
        return Vector512.CopySign(r, x);
    }

    // ---- erf ------------------------------------------------------------------------------------------

    internal static float Erf(float x)
    {
        float a = MathF.Abs(x);
        float t = 1f / (1f + ErfP * a);
        float poly = ((((ErfA5 * t + ErfA4) * t + ErfA3) * t + ErfA2) * t + ErfA1) * t;
        return MathF.CopySign(1f - poly * MathF.Exp(-a * a), x);
    }

    internal static Vector256<float> Erf(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var t = Vector256<float>.One / (Vector256<float>.One + Vector256.Create(ErfP) * a);
        var poly = ((((Vector256.Create(ErfA5) * t + Vector256.Create(ErfA4)) * t + Vector256.Create(ErfA3)) * t
            + Vector256.Create(ErfA2)) * t + Vector256.Create(ErfA1)) * t;
        return Vector256.CopySign(Vector256<float>.One - poly * Vector256.Exp(-(a * a)), x);
    }

    internal static Vector512<float> Erf(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(ErfP) * a);
        var poly = ((((Vector512.Create(ErfA5) * t + Vector512.Create(ErfA4)) * t + Vector512.Create(ErfA3)) * t
            + Vector512.Create(ErfA2)) * t + Vector512.Create(ErfA1)) * t;
        return Vector512.CopySign(Vector512<float>.One - poly * Vector512.Exp(-(a * a)), x);
    }
}

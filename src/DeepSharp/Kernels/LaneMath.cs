using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The library's one exp, expm1, sigmoid and tanh (and the erf and log1p some activations need), written once
/// over <see cref="ILanes{TSelf}"/>: the activations, the recurrent gates and the softmax all call these, so an
/// LSTM's gate tanh and <c>Ops.Tanh</c> give the same bits, at every vector width.
/// </summary>
/// <remarks>
/// e^x = 2ⁿ·(1 + q) with n = round(x·log₂e), r = x − n·ln 2 (ln 2 split in two so that r is exact) and
/// q = e^r − 1 = r + r²·P(r), P the degree-5 minimax polynomial of Cephes' expf on [−ln2/2, ln2/2]. Keeping q
/// apart from the 1 gives expm1 with no cancellation near 0 (so tanh is accurate near 0) and lets exp round
/// 1 + q once. Against double precision (see the tests): exp and expm1 within 2 ulp, sigmoid and tanh within 2.5
/// (their last division and addition add to the exponential's error).
/// Everything here is built from exactly rounded lane operations, all inlined into the caller's loop.
/// </remarks>
internal static class LaneMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
        P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    // e^x is 0 below −103.97 (half the smallest subnormal) and ∞ above 88.73; clamping just outside keeps n
    // a small whole number and lets ScaleB round to 0, a subnormal or ∞ as the true value would.
    private const float ExpLow = -104f, ExpHigh = 89f;

    // Beyond 2|x| = 20, tanh rounds to ±1 in float32 (its distance from 1 is below 4e-9).
    private const float TanhArgumentLimit = 20f;

    // Abramowitz & Stegun 7.1.26: erf(x) = 1 − (a1 t + … + a5 t⁵) e^(−x²), t = 1 / (1 + p x), for x ≥ 0;
    // absolute error below 1.5e-7, under float32's resolution of erf's values.
    private const float ErfP = 0.3275911f;
    private const float ErfA1 = 0.254829592f, ErfA2 = -0.284496736f, ErfA3 = 1.421413741f, ErfA4 = -1.453152027f, ErfA5 = 1.061405429f;

    /// <summary>e^x: 0, subnormal and ∞ results where float32's are; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Exp<T>(T x) where T : struct, ILanes<T>
    {
        var q = ExpMinusOneReduced(T.Clamp(x, T.Broadcast(ExpLow), T.Broadcast(ExpHigh)), out var n);
        return T.ScaleB(T.Broadcast(1f) + q, n);
    }

    /// <summary>e^x − 1, accurate near 0, for x ≤ 88 (larger x give e^88 − 1; the callers never ask for more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T ExpM1<T>(T x) where T : struct, ILanes<T> =>
        ExpM1Clamped(T.Clamp(x, T.Broadcast(ExpLow), T.Broadcast(88f)));

    /// <summary>1 / (1 + e^−x): exactly 1 from x ≈ 17 on, and 0 below x ≈ −89 (where the exponential overflows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Sigmoid<T>(T x) where T : struct, ILanes<T> =>
        T.Broadcast(1f) / (T.Broadcast(1f) + Exp(-x));

    /// <summary>tanh x = sign(x) · t / (t + 2), t = expm1(2|x|): accurate near 0 and exactly ±1 for large |x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Tanh<T>(T x) where T : struct, ILanes<T>
    {
        var a = T.Abs(x);
        // 2|x| ≥ 0: the lower bound never applies, but keeps the clamp one instruction.
        var t = ExpM1Clamped(T.Clamp(a + a, T.Broadcast(-1f), T.Broadcast(TanhArgumentLimit)));
        return T.CopySign(t / (t + T.Broadcast(2f)), x);
    }

    /// <summary>log(1 + x) for x ≥ 0, accurate for tiny x (Goldberg: log(u) · x / (u − 1) with u = 1 + x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Log1P<T>(T x) where T : struct, ILanes<T>
    {
        var u = T.Broadcast(1f) + x;
        var um1 = u - T.Broadcast(1f);
        return T.Select(T.Equal(um1, T.Broadcast(0f)), x, T.Log(u) * x / um1);
    }

    /// <summary>erf x (see the constants above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Erf<T>(T x) where T : struct, ILanes<T> => Erf(x, out _);

    /// <summary>erf x, and the e^(−x²) it takes on the way (which a GELU's derivative needs too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Erf<T>(T x, out T gaussian) where T : struct, ILanes<T>
    {
        var a = T.Abs(x);
        var t = T.Broadcast(1f) / T.MultiplyAdd(T.Broadcast(ErfP), a, T.Broadcast(1f));
        var poly = T.MultiplyAdd(T.Broadcast(ErfA5), t, T.Broadcast(ErfA4));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(ErfA3));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(ErfA2));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(ErfA1)) * t;
        gaussian = Exp(-(a * a));
        return T.CopySign(T.Broadcast(1f) - poly * gaussian, x);
    }

    /// <summary>e^x − 1 for x already in [−104, 88] (or NaN), where 2ⁿ is a normal float or rounds to 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ExpM1Clamped<T>(T x) where T : struct, ILanes<T>
    {
        var q = ExpMinusOneReduced(x, out var n);
        var scale = T.ScaleB(T.Broadcast(1f), n);
        // 2ⁿ·q + (2ⁿ − 1), rounded once; 2ⁿ − 1 is exact for the n where it matters (|n| ≤ 24).
        return T.MultiplyAdd(q, scale, scale - T.Broadcast(1f));
    }

    /// <summary>Splits x into n·ln 2 + r and returns q = e^r − 1 (the steps exp and expm1 share).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ExpMinusOneReduced<T>(T x, out T n) where T : struct, ILanes<T>
    {
        n = T.Floor(T.MultiplyAdd(x, T.Broadcast(Log2E), T.Broadcast(0.5f)));
        var r = T.MultiplyAdd(n, T.Broadcast(-Ln2High), x);
        r = T.MultiplyAdd(n, T.Broadcast(-Ln2Low), r);
        var p = T.MultiplyAdd(T.Broadcast(P0), r, T.Broadcast(P1));
        p = T.MultiplyAdd(p, r, T.Broadcast(P2));
        p = T.MultiplyAdd(p, r, T.Broadcast(P3));
        p = T.MultiplyAdd(p, r, T.Broadcast(P4));
        p = T.MultiplyAdd(p, r, T.Broadcast(P5));
        return T.MultiplyAdd(p, r * r, r);
    }
}

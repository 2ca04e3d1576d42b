using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The library's one exp, expm1, sigmoid and tanh (and the normal distribution, erf and log1p some activations need), written once
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

    // Φ(x) for x ≤ 0 as φ(x)·t·C(t), t = 1 / (1 − x/(2√2)): erfc(a)·e^(a²) (a = −x/√2), which falls from 1 like 1/(a√π), is
    // t·C(t)·2/√(2π) with C of degree 6, a fit of ours over a in [0, 10.25] (to x = −14.5, below which x·Φ(x) rounds to 0)
    // minimising the relative error weighted by min(1, erfc(a)/10⁻³): with these float coefficients, absolute error 7e-8 in
    // Φ and relative error 7e-4 in its far left tail (GELU measured 1.4e-5 from x = −5 on). tools/fit_normal_cdf.py makes C
    // and D below.
    private const float CdfQ = 0.353553391f; // 1 / (2√2)
    private const float C0 = 0.3523799180984497f, C1 = 0.3606719672679901f, C2 = 0.30817970633506775f, C3 = 0.1275409609079361f,
        C4 = 0.41032087802886963f, C5 = -0.40887582302093506f, C6 = 0.10309666395187378f;

    // φ(x) = e^(−x²/2)/√(2π) = 2^(−v)/√(2π), v = x²·log₂e/2, as 2ⁿ·2^(−f)/√(2π) with n = −round(v) and f = v + n in [−½, ½]:
    // 2^(−f) by a degree-6 fit of ours (relative error 2e-8), its coefficients times 1/√(2π). The square rounds once, then f.
    private const float HalfLog2E = 0.721347520444481703f;
    private const float D0 = 0.3989422917366028f, D1 = -0.27652570605278015f, D2 = 0.09583651274442673f, D3 = -0.022142602130770683f,
        D4 = 0.003837049473077059f, D5 = -0.0005346008110791445f, D6 = 6.168233085190877e-05f;

    // φ(x) is 0 in float32 for x² above 209 (2^(−151) is under half the smallest subnormal): clamping there keeps n ≥ −151.
    private const float HalfSquareLimit = 210f;

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

    /// <summary>
    /// Φ(x), the standard normal distribution function (the exact GELU is x·Φ(x)), and the density φ(x) = e^(−x²/2)/√(2π)
    /// (GELU's derivative is Φ(x) + x·φ(x)).
    /// </summary>
    /// <remarks>
    /// h = Φ(−|x|) (see the constants above), and Φ(x) = 1 − h for x ≥ 0, h for x &lt; 0: the left tail keeps
    /// h's relative accuracy, where ½·(1 + erf(x/√2)) cancels to 0 from x ≈ −5.5 on. One division and one exponential
    /// (<see cref="NormalDensity"/>) serve the value and the derivative.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T NormalCdf<T>(T x, out T density) where T : struct, ILanes<T>
    {
        var t = T.Broadcast(1f) / T.MultiplyAdd(T.Abs(x), T.Broadcast(CdfQ), T.Broadcast(1f));
        var poly = T.MultiplyAdd(T.Broadcast(C6), t, T.Broadcast(C5));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(C4));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(C3));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(C2));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(C1));
        poly = T.MultiplyAdd(poly, t, T.Broadcast(C0)) * t;
        density = NormalDensity(x);
        var h = poly * density;
        return T.Select(T.LessThan(x, T.Broadcast(0f)), h, T.Broadcast(1f) - h);
    }

    /// <summary>φ(x) = e^(−x²/2)/√(2π) (see the constants above); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T NormalDensity<T>(T x) where T : struct, ILanes<T>
    {
        // x² ≥ 0: the lower bound never applies, but keeps the clamp one instruction.
        var s = T.Clamp(x * x, T.Broadcast(-1f), T.Broadcast(HalfSquareLimit));
        var n = T.Floor(T.MultiplyAdd(s, T.Broadcast(-HalfLog2E), T.Broadcast(0.5f)));
        var f = T.MultiplyAdd(s, T.Broadcast(HalfLog2E), n);
        var p = T.MultiplyAdd(T.Broadcast(D6), f, T.Broadcast(D5));
        p = T.MultiplyAdd(p, f, T.Broadcast(D4));
        p = T.MultiplyAdd(p, f, T.Broadcast(D3));
        p = T.MultiplyAdd(p, f, T.Broadcast(D2));
        p = T.MultiplyAdd(p, f, T.Broadcast(D1));
        p = T.MultiplyAdd(p, f, T.Broadcast(D0));
        return T.ScaleB(p, n);
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

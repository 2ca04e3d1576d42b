namespace DeepSharp.Interop.Onnx;

/// <summary>Functions ONNX has and DeepSharp's Ops lack, composed from differentiable Ops.</summary>
internal static class OnnxMath
{
    // erf(x) = 2/√π · Σ (-1)^k x^(2k+1) / (k!(2k+1)): six terms are exact to 2e-8 for |x| < 0.5.
    private static readonly float[] Taylor =
    [
        1.1283791671f, -0.3761263890f, 0.1128379167f, -0.0268661706f, 0.0052239776f, -0.0008548327f,
    ];

    // Abramowitz & Stegun 7.1.26: erf(x) = 1 - t·(a1 + t(a2 + t(a3 + t(a4 + t·a5))))·e^(-x²), t = 1/(1 + p·x),
    // absolute error below 1.5e-7 for x ≥ 0 (relative below 3e-7 where it is used, x ≥ 0.5).
    private const float P = 0.3275911f;
    private static readonly float[] Rational = [0.254829592f, -0.284496736f, 1.421413741f, -1.453152027f, 1.061405429f];

    /// <summary>
    /// The error function: the Taylor series near zero (where the rational form would lose the small values to
    /// cancellation), Abramowitz and Stegun's rational form elsewhere. Differentiable through both branches.
    /// </summary>
    public static Tensor Erf(Tensor x)
    {
        // Near zero: the series on x clipped to the branch, so a huge x elsewhere cannot make its gradient NaN.
        var near = Ops.Clip(x, -0.5f, 0.5f);
        var square = Ops.Square(near);
        var series = Ops.Add(Ops.Multiply(square, Taylor[5]), Taylor[4]);
        for (int k = 3; k >= 0; k--) series = Ops.Add(Ops.Multiply(series, square), Taylor[k]);
        series = Ops.Multiply(series, near);

        var magnitude = Ops.Abs(x);
        var t = Ops.Reciprocal(Ops.Add(Ops.Multiply(magnitude, P), 1f));
        var poly = Ops.Add(Ops.Multiply(t, Rational[4]), Rational[3]);
        for (int k = 2; k >= 0; k--) poly = Ops.Add(Ops.Multiply(poly, t), Rational[k]);
        var tail = Ops.Multiply(Ops.Multiply(poly, t), Ops.Exp(Ops.Negate(Ops.Square(magnitude))));
        var far = Ops.Multiply(Ops.ReverseSubtract(1f, tail), Ops.Sign(x));

        return Ops.Where(Ops.Less(magnitude, 0.5f), series, far);
    }
}

using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The exact GELU, x·Φ(x), and its derivative Φ(x) + x·φ(x) (<see cref="LaneMath.NormalCdf{T}"/>) against double precision
/// from its far left tail to where it is x, at every vector width this machine has (which must all give the same bits), and
/// against the erf form it replaced (<see cref="GeluFunction.NormalCdfForm"/> off).
/// </summary>
public class NormalCdfTests
{
    private const double MinNormal = 1.17549435e-38; // the smallest normal float32

    private static readonly SimdLevel[] Levels = [SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar];

    /// <summary>erfc z in double precision: 1 − erf by its Taylor series below 2, a continued fraction above (Lentz's form, evaluated backwards).</summary>
    private static double Erfc(double z)
    {
        if (z < 0) return 2 - Erfc(-z);
        if (z < 2)
        {
            double sum = 0, term = z;
            for (int n = 0; n < 120; n++)
            {
                sum += term / (2 * n + 1);
                term *= -z * z / (n + 1);
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc z = e^(−z²)/√π · 1/(z + ½/(z + 1/(z + 3/2/(z + …)))).
        double f = z;
        for (int k = 400; k >= 1; k--) f = z + k / 2.0 / f;
        return Math.Exp(-z * z) / Math.Sqrt(Math.PI) / f;
    }

    private static double Cdf(double x) => x >= 0 ? 1 - 0.5 * Erfc(x / Math.Sqrt(2)) : 0.5 * Erfc(-x / Math.Sqrt(2));

    private static double Gelu(double x) => x * Cdf(x);

    private static double GeluDerivative(double x) => Cdf(x) + x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);

    /// <summary>Every 997th float from −16 to 16 (about 2.2 million; denser near 0, as floats are), and ±2·10^k beyond.</summary>
    private static float[] Points()
    {
        var values = new List<float>();
        for (int bits = 0; bits < 0x41800000; bits += 997)
        {
            float v = BitConverter.Int32BitsToSingle(bits);
            values.Add(v);
            values.Add(-v);
        }
        for (float v = 20; v < 1e38f; v *= 10)
        {
            values.Add(v);
            values.Add(-v);
        }
        return values.ToArray();
    }

    private static readonly float[] X = Points();
    private static readonly double[] ExactValue = X.Select(v => Gelu(v)).ToArray();
    private static readonly double[] ExactDerivative = X.Select(v => GeluDerivative(v)).ToArray();

    /// <summary>GELU and its derivative at every point, at <paramref name="level"/>, by the Φ form or (<paramref name="erfForm"/>) the erf form.</summary>
    private static (float[] Value, float[] Derivative) Run(SimdLevel level, bool erfForm = false)
    {
        var y = new float[X.Length];
        var d = new float[X.Length];
        var ones = Enumerable.Repeat(1f, X.Length).ToArray();
        bool saved = GeluFunction.NormalCdfForm;
        GeluFunction.NormalCdfForm = !erfForm;
        try
        {
            using (Simd.Force(level))
            {
                VectorLoop.Map(new GeluFunction(), X, y);
                VectorLoop.Map(new GeluGradient(), X, ones, d);
            }
        }
        finally
        {
            GeluFunction.NormalCdfForm = saved;
        }
        return (y, d);
    }

    /// <summary>Largest absolute error, and largest relative error where the exact value is a normal float (away from <paramref name="skip"/>).</summary>
    private static (double Absolute, double Relative) Errors(float[] computed, double[] exact, Func<float, bool>? skip = null)
    {
        double absolute = 0, relative = 0;
        for (int i = 0; i < X.Length; i++)
        {
            double e = Math.Abs(computed[i] - exact[i]);
            absolute = Math.Max(absolute, e);
            if (Math.Abs(exact[i]) >= MinNormal && (skip is null || !skip(X[i]))) relative = Math.Max(relative, e / Math.Abs(exact[i]));
        }
        return (absolute, relative);
    }

    // The derivative crosses 0 at x ≈ −0.7518, where no float formula keeps a relative accuracy.
    private static bool NearDerivativeZero(float x) => Math.Abs(x + 0.7518f) < 0.05f;

    [Fact]
    public void Gelu_and_its_derivative_are_accurate_from_the_left_tail_to_the_identity()
    {
        var (value, derivative) = Run(Levels[0]);
        foreach (var level in Levels[1..])
        {
            var (v, d) = Run(level);
            Assert.True(value.AsSpan().SequenceEqual(v) && derivative.AsSpan().SequenceEqual(d), $"{level} differs from {Levels[0]}.");
        }
        var (valueAbsolute, valueRelative) = Errors(value, ExactValue);
        var (derivativeAbsolute, derivativeRelative) = Errors(derivative, ExactDerivative, NearDerivativeZero);
        // Absolute: under an ulp of GELU's values where it matters (1.2e-7 near 1, 4.8e-7 near 4). Relative: Φ's far left tail
        // (7e-4 at x = −13), and the square x², rounded once, which e^(−x²/2) turns into 6e-8·x²/2 (5e-6 at x = −13).
        Assert.True(valueAbsolute <= 4e-7, $"gelu: absolute error {valueAbsolute:E2}");
        Assert.True(valueRelative <= 1e-3, $"gelu: relative error {valueRelative:E2}");
        Assert.True(derivativeAbsolute <= 3e-7, $"gelu': absolute error {derivativeAbsolute:E2}");
        Assert.True(derivativeRelative <= 2e-5, $"gelu': relative error {derivativeRelative:E2}");
    }

    [Fact]
    public void The_left_tail_keeps_its_value_where_the_erf_form_gave_zero()
    {
        float[] x = [-5f, -6f, -8f, -10f, -12f, -13f];
        var y = new float[x.Length];
        bool saved = GeluFunction.NormalCdfForm;
        GeluFunction.NormalCdfForm = true;
        try
        {
            VectorLoop.Map(new GeluFunction(), x, y);
        }
        finally
        {
            GeluFunction.NormalCdfForm = saved;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Gelu(x[i]);
            Assert.True(Math.Abs(y[i] - exact) <= 1e-3 * Math.Abs(exact), $"gelu({x[i]}) = {y[i]:G9}, exact {exact:G9}");
        }
    }

    [Fact]
    public void Is_at_least_as_accurate_as_the_erf_form_everywhere()
    {
        var (value, derivative) = Run(Levels[0]);
        var (oldValue, oldDerivative) = Run(Levels[0], erfForm: true);
        var now = (Errors(value, ExactValue), Errors(derivative, ExactDerivative, NearDerivativeZero));
        var before = (Errors(oldValue, ExactValue), Errors(oldDerivative, ExactDerivative, NearDerivativeZero));
        Assert.True(now.Item1.Absolute <= before.Item1.Absolute && now.Item1.Relative <= before.Item1.Relative
            && now.Item2.Absolute <= before.Item2.Absolute && now.Item2.Relative <= before.Item2.Relative, $"now {now}, erf form {before}");
        // The erf form, kept for A/B comparisons, still holds its own bound where its values are not cancelled away.
        Assert.True(before.Item1.Absolute <= 5e-7 && before.Item2.Absolute <= 5e-7, $"erf form {before}");
    }
}

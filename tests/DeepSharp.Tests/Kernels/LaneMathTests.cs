using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The library's one exp, expm1, sigmoid and tanh (<see cref="LaneMath"/>) against double precision over their
/// whole useful range, at every vector width this machine has (which must all give the same bits).
/// </summary>
public class LaneMathTests
{
    private static readonly SimdLevel[] Levels = [SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar];

    /// <summary>Evenly spaced points over [low, high], plus ±(tiny magnitudes) down to 1e-30 when the range holds 0.</summary>
    private static float[] Points(float low, float high, int count)
    {
        var values = new List<float>(count + 200);
        for (int i = 0; i < count; i++) values.Add(low + (high - low) * i / (count - 1));
        if (low < 0 && high > 0)
            for (double m = 1e-30; m < 1; m *= 1.7)
            {
                values.Add((float)m);
                values.Add((float)-m);
            }
        return values.ToArray();
    }

    /// <summary>|a − exact| in units of float32's spacing at the exact value (subnormal spacing below the normal range).</summary>
    private static double Ulps(float a, double exact)
    {
        float e = (float)Math.Abs(exact);
        double spacing = Math.Max(MathF.BitIncrement(e) - e, float.Epsilon);
        return Math.Abs(a - exact) / spacing;
    }

    private static float[] Run<TF>(TF f, float[] x, SimdLevel level) where TF : struct, IUnaryFunction
    {
        var y = new float[x.Length];
        using (Simd.Force(level)) VectorLoop.Map(f, x, y);
        return y;
    }

    private static void Accurate<TF>(TF f, Func<double, double> exact, float[] x, double maxUlps, string name) where TF : struct, IUnaryFunction
    {
        var reference = Run(f, x, Levels[0]);
        foreach (var level in Levels[1..])
            Assert.True(reference.AsSpan().SequenceEqual(Run(f, x, level)), $"{name}: {level} differs from {Levels[0]}.");
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double u = Ulps(reference[i], exact(x[i]));
            if (u > worst)
            {
                worst = u;
                worstAt = x[i];
            }
        }
        Assert.True(worst <= maxUlps, $"{name}: {worst:F2} ulp at x = {worstAt:G9}");
    }

    [Fact]
    public void Exp_is_within_two_ulps_over_the_normal_range()
    {
        Accurate(new ExpFunction(), Math.Exp, Points(-87.3f, 88.7f, 400_000), 2, "exp");
    }

    [Fact]
    public void Tanh_is_within_two_and_a_half_ulps_near_zero_and_far_from_it()
    {
        Accurate(new TanhFunction(), Math.Tanh, Points(-25f, 25f, 400_000), 2.5, "tanh");
    }

    [Fact]
    public void Sigmoid_is_within_two_and_a_half_ulps()
    {
        Accurate(new SigmoidFunction(), v => 1 / (1 + Math.Exp(-v)), Points(-87f, 30f, 400_000), 2.5, "sigmoid");
    }

    [Fact]
    public void Expm1_is_within_two_ulps()
    {
        Accurate(new ExpM1Probe(), v => v == 0 ? 0 : Math.Abs(v) < 1e-5 ? v + v * v / 2 + v * v * v / 6 : Math.Exp(v) - 1, Points(-30f, 88f, 400_000), 2, "expm1");
    }

    [Fact]
    public void Limits_are_those_of_float32()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 89f, 200f, -104f, -200f, -100f, -0f, 0f];
        foreach (var level in Levels)
        {
            var exp = Run(new ExpFunction(), x, level);
            Assert.True(float.IsNaN(exp[0]));
            Assert.Equal([float.PositiveInfinity, 0f, float.PositiveInfinity, float.PositiveInfinity, 0f, 0f], exp[1..7]);
            Assert.Equal(MathF.Exp(-100f), exp[7]); // a subnormal result, rounded as float32's own
            Assert.Equal([1f, 1f], exp[8..]);
            var tanh = Run(new TanhFunction(), x, level);
            Assert.True(float.IsNaN(tanh[0]));
            Assert.Equal([1f, -1f, 1f, 1f, -1f, -1f, -1f], tanh[1..8]);
            Assert.True(float.IsNegative(tanh[8]) && tanh[8] == 0f && !float.IsNegative(tanh[9]) && tanh[9] == 0f, "tanh keeps the sign of zero");
            var sigmoid = Run(new SigmoidFunction(), x, level);
            Assert.True(float.IsNaN(sigmoid[0]));
            Assert.Equal([1f, 0f, 1f, 1f, 0f, 0f, 0f, 0.5f, 0.5f], sigmoid[1..]);
        }
    }

    private readonly struct ExpM1Probe : IUnaryFunction
    {
        public T Apply<T>(T x) where T : struct, ILanes<T> => LaneMath.ExpM1(x);
    }
}

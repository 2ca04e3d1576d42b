namespace DeepSharp.Tests.Initializers;

/// <summary>
/// Statistics of every initializer on large weights against Keras' formulas. Tolerances follow from the
/// sample size N (the values are seeded, so a run is repeatable, but the bounds are the ones a fresh draw
/// would meet): the sample mean lies within 6σ/√N of the true mean and the sample standard deviation
/// within 6σ/√(2N) of the true one (the spread of s for a normal sample, wider than for the uniform or the
/// truncated normal), each missed with probability about 2e-9. A uniform sample's extremes lie within
/// 20·(high − low)/N of the bounds except with probability e⁻²⁰.
/// </summary>
public class InitializerStatisticsTests
{
    // A Dense kernel [in, out]: fanIn 256, fanOut 512, fanAvg 384. N = 131072.
    private static readonly TensorShape DenseShape = [256, 512];
    // A Conv2D kernel [kh, kw, in, out]: receptive field 9, so fanIn 288, fanOut 576, fanAvg 432. N = 18432.
    private static readonly TensorShape ConvShape = [3, 3, 32, 64];

    // Keras' standard deviation of a unit normal truncated to [-2, 2].
    private const double TruncatedUnitStd = 0.87962566103423978;

    private static float[] Draw(Initializer initializer, TensorShape shape, long seed = 7)
    {
        var values = new float[shape.Size];
        initializer.Fill(values, shape, new RandomGenerator(seed));
        return values;
    }

    private static (double Mean, double Std, double Min, double Max) Stats(float[] values)
    {
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (float v in values)
        {
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        double mean = sum / values.Length, squares = 0;
        foreach (float v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / (values.Length - 1)), min, max);
    }

    private static void AssertMoments(float[] values, double mean, double std, string what)
    {
        var s = Stats(values);
        double n = values.Length;
        double meanTolerance = 6 * std / Math.Sqrt(n), stdTolerance = 6 * std / Math.Sqrt(2 * n);
        Assert.True(Math.Abs(s.Mean - mean) <= meanTolerance,
            $"{what}: mean {s.Mean:G6}, expected {mean:G6} ± {meanTolerance:G3}");
        Assert.True(Math.Abs(s.Std - std) <= stdTolerance,
            $"{what}: std {s.Std:G6}, expected {std:G6} ± {stdTolerance:G3}");
    }

    private static void AssertUniform(float[] values, double low, double high, string what)
    {
        AssertMoments(values, (low + high) / 2, (high - low) / Math.Sqrt(12), what);
        var s = Stats(values);
        double slack = 20 * (high - low) / values.Length;
        Assert.True(s.Min >= low && s.Max <= high, $"{what}: range [{s.Min:G6}, {s.Max:G6}] leaves [{low:G6}, {high:G6}]");
        Assert.True(s.Min <= low + slack && s.Max >= high - slack,
            $"{what}: range [{s.Min:G6}, {s.Max:G6}] does not reach the bounds [{low:G6}, {high:G6}] (slack {slack:G3})");
    }

    /// <summary>A plain normal: beyond 3σ on both sides (N·P(|z| &gt; 3)/2 ≥ 24 expected each side for N ≥ 18432).</summary>
    private static void AssertNormal(float[] values, double mean, double std, string what)
    {
        AssertMoments(values, mean, std, what);
        var s = Stats(values);
        Assert.True(s.Max > mean + 3 * std && s.Min < mean - 3 * std,
            $"{what}: range [{s.Min:G6}, {s.Max:G6}] has no tail beyond 3σ = {3 * std:G6}: truncated?");
    }

    /// <summary>
    /// A normal of <paramref name="stddev"/> cut at ±2·stddev: the sample std is stddev·0.8796, every value is
    /// inside the cut, and values come within 5% of it (P(1.9σ &lt; z ≤ 2σ | |z| ≤ 2σ) ≈ 0.0063 a side, so ≥ 115
    /// expected for N ≥ 18432).
    /// </summary>
    private static void AssertTruncated(float[] values, double mean, double stddev, string what)
    {
        AssertMoments(values, mean, stddev * TruncatedUnitStd, what);
        var s = Stats(values);
        double cut = 2 * stddev;
        // float rounding of mean + stddev·z may land a hair beyond the cut.
        double rounding = 1e-6 * (Math.Abs(mean) + cut);
        Assert.True(s.Min >= mean - cut - rounding && s.Max <= mean + cut + rounding,
            $"{what}: range [{s.Min:G6}, {s.Max:G6}] leaves mean ± 2σ = {mean:G6} ± {cut:G6}");
        Assert.True(s.Min < mean - 0.95 * cut && s.Max > mean + 0.95 * cut,
            $"{what}: range [{s.Min:G6}, {s.Max:G6}] does not approach the cut at ±{cut:G6}");
    }

    [Fact]
    public void Fans_are_keras_fans_for_dense_and_convolution_kernels()
    {
        Assert.Equal((256.0, 512.0), Initializer.ComputeFans(DenseShape));
        Assert.Equal((288.0, 576.0), Initializer.ComputeFans(ConvShape));
        Assert.Equal((7.0, 7.0), Initializer.ComputeFans([7]));
        Assert.Equal((1.0, 1.0), Initializer.ComputeFans([]));
        // Conv1D [k, in, out] and Conv3D [d, h, w, in, out] multiply by their receptive fields too.
        Assert.Equal((15.0, 20.0), Initializer.ComputeFans([5, 3, 4]));
        Assert.Equal((48.0, 96.0), Initializer.ComputeFans([2, 2, 3, 4, 8]));
    }

    [Fact]
    public void Zeros_ones_and_constant_are_exact()
    {
        AssertAll(Draw(new Zeros(), ConvShape), 0f);
        AssertAll(Draw(new Ones(), DenseShape), 1f);
        AssertAll(Draw(new Constant(-0.375f), ConvShape), -0.375f);
        AssertAll(Draw(new Constant(), [4, 4]), 0f);
    }

    private static void AssertAll(float[] values, float expected)
    {
        int index = Array.FindIndex(values, v => v != expected);
        Assert.True(index < 0, $"element {index} is {(index < 0 ? 0 : values[index])}, expected {expected}");
    }

    [Fact]
    public void Random_uniform_covers_its_bounds_evenly()
    {
        AssertUniform(Draw(new RandomUniform(), DenseShape), -0.05, 0.05, "RandomUniform()");
        AssertUniform(Draw(new RandomUniform(-1f, 3f), ConvShape), -1, 3, "RandomUniform(-1, 3)");
    }

    [Fact]
    public void Random_normal_has_its_mean_and_stddev_and_untruncated_tails()
    {
        AssertNormal(Draw(new RandomNormal(), DenseShape), 0, 0.05, "RandomNormal()");
        AssertNormal(Draw(new RandomNormal(2f, 0.5f), ConvShape), 2, 0.5, "RandomNormal(2, 0.5)");
    }

    [Fact]
    public void Truncated_normal_cuts_at_two_stddevs_without_rescaling()
    {
        // Keras' TruncatedNormal keeps stddev as the pre-truncation scale: the sample std is 0.88·stddev.
        AssertTruncated(Draw(new TruncatedNormal(), DenseShape), 0, 0.05, "TruncatedNormal()");
        AssertTruncated(Draw(new TruncatedNormal(1f, 0.2f), ConvShape), 1, 0.2, "TruncatedNormal(1, 0.2)");
    }

    [Fact]
    public void Glorot_uniform_limit_is_sqrt_6_over_fan_in_plus_fan_out()
    {
        double dense = Math.Sqrt(6.0 / (256 + 512)), conv = Math.Sqrt(6.0 / (288 + 576));
        AssertUniform(Draw(new GlorotUniform(), DenseShape), -dense, dense, "GlorotUniform dense");
        AssertUniform(Draw(new GlorotUniform(), ConvShape), -conv, conv, "GlorotUniform conv");
    }

    [Fact]
    public void Glorot_normal_std_is_sqrt_2_over_fan_in_plus_fan_out()
    {
        // The sample std is the nominal one: the truncation's 0.88 is divided out before drawing.
        double dense = Math.Sqrt(2.0 / (256 + 512)), conv = Math.Sqrt(2.0 / (288 + 576));
        AssertTruncated(Draw(new GlorotNormal(), DenseShape), 0, dense / TruncatedUnitStd, "GlorotNormal dense");
        AssertTruncated(Draw(new GlorotNormal(), ConvShape), 0, conv / TruncatedUnitStd, "GlorotNormal conv");
    }

    [Fact]
    public void He_uniform_limit_is_sqrt_6_over_fan_in()
    {
        double dense = Math.Sqrt(6.0 / 256), conv = Math.Sqrt(6.0 / 288);
        AssertUniform(Draw(new HeUniform(), DenseShape), -dense, dense, "HeUniform dense");
        AssertUniform(Draw(new HeUniform(), ConvShape), -conv, conv, "HeUniform conv");
    }

    [Fact]
    public void He_normal_std_is_sqrt_2_over_fan_in()
    {
        double dense = Math.Sqrt(2.0 / 256), conv = Math.Sqrt(2.0 / 288);
        AssertTruncated(Draw(new HeNormal(), DenseShape), 0, dense / TruncatedUnitStd, "HeNormal dense");
        AssertTruncated(Draw(new HeNormal(), ConvShape), 0, conv / TruncatedUnitStd, "HeNormal conv");
    }

    [Fact]
    public void Lecun_uniform_limit_is_sqrt_3_over_fan_in()
    {
        double dense = Math.Sqrt(3.0 / 256), conv = Math.Sqrt(3.0 / 288);
        AssertUniform(Draw(new LecunUniform(), DenseShape), -dense, dense, "LecunUniform dense");
        AssertUniform(Draw(new LecunUniform(), ConvShape), -conv, conv, "LecunUniform conv");
    }

    [Fact]
    public void Lecun_normal_std_is_sqrt_1_over_fan_in()
    {
        double dense = Math.Sqrt(1.0 / 256), conv = Math.Sqrt(1.0 / 288);
        AssertTruncated(Draw(new LecunNormal(), DenseShape), 0, dense / TruncatedUnitStd, "LecunNormal dense");
        AssertTruncated(Draw(new LecunNormal(), ConvShape), 0, conv / TruncatedUnitStd, "LecunNormal conv");
    }

    [Theory]
    [InlineData(1.0, FanMode.FanIn, ScalingDistribution.TruncatedNormal)]
    [InlineData(2.0, FanMode.FanOut, ScalingDistribution.TruncatedNormal)]
    [InlineData(0.5, FanMode.FanAvg, ScalingDistribution.TruncatedNormal)]
    [InlineData(1.0, FanMode.FanIn, ScalingDistribution.UntruncatedNormal)]
    [InlineData(3.0, FanMode.FanOut, ScalingDistribution.UntruncatedNormal)]
    [InlineData(1.0, FanMode.FanAvg, ScalingDistribution.Uniform)]
    [InlineData(2.0, FanMode.FanOut, ScalingDistribution.Uniform)]
    public void Variance_scaling_has_variance_scale_over_the_chosen_fan(double scale, FanMode mode, ScalingDistribution distribution)
    {
        foreach (var shape in new[] { DenseShape, ConvShape })
        {
            var (fanIn, fanOut) = Initializer.ComputeFans(shape);
            double n = mode switch { FanMode.FanIn => fanIn, FanMode.FanOut => fanOut, _ => (fanIn + fanOut) / 2 };
            double std = Math.Sqrt(scale / n);
            var values = Draw(new VarianceScaling(scale, mode, distribution), shape);
            string what = $"VarianceScaling({scale}, {mode}, {distribution}) on {shape}";
            switch (distribution)
            {
                case ScalingDistribution.TruncatedNormal: AssertTruncated(values, 0, std / TruncatedUnitStd, what); break;
                case ScalingDistribution.UntruncatedNormal: AssertNormal(values, 0, std, what); break;
                default: AssertUniform(values, -Math.Sqrt(3) * std, Math.Sqrt(3) * std, what); break;
            }
        }
    }

    [Fact]
    public void Variance_scaling_defaults_are_keras_defaults()
    {
        var v = new VarianceScaling();
        Assert.Equal((1.0, FanMode.FanIn, ScalingDistribution.TruncatedNormal), (v.Scale, v.Mode, v.Distribution));
        var e = Assert.Throws<ArgumentException>(() => new VarianceScaling(0));
        Assert.Contains("scale", e.Message);
        Assert.Contains("0", e.Message);
    }

    [Fact]
    public void Orthogonal_and_identity_have_the_statistics_of_their_matrices()
    {
        // A [256, 64] matrix with orthonormal columns: Σ q² = 64·gain², so the mean square is gain²/256.
        var q = Draw(new Orthogonal(gain: 2f), [256, 64]);
        double squares = 0;
        foreach (float v in q) squares += (double)v * v;
        Assert.Equal(64 * 4.0, squares, 3);
        var identity = Draw(new Identity(gain: 3f), [64, 64]);
        Assert.Equal(64 * 3.0, identity.Sum(), 6);
        Assert.Equal(64 * 64 - 64, identity.Count(v => v == 0f));
    }
}

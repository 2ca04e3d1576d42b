using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Keras' <c>VarianceScaling</c>: values with variance <c>scale / n</c>, n being fan-in, fan-out or their mean.
/// Glorot (Xavier), He and LeCun initializers are its named settings.
/// </summary>
public class VarianceScaling : RandomInitializer
{
    // The standard deviation of a unit normal truncated to [-2, 2]; dividing by it restores the variance.
    private const double TruncatedStd = 0.87962566103423978;

    /// <summary>Creates the initializer.</summary>
    public VarianceScaling(double scale = 1.0, FanMode mode = FanMode.FanIn,
        ScalingDistribution distribution = ScalingDistribution.TruncatedNormal, long? seed = null)
        : base(seed)
    {
        if (!(scale > 0)) throw new ArgumentException($"VarianceScaling: scale must be positive, got {scale}.", nameof(scale));
        Scale = scale;
        Mode = mode;
        Distribution = distribution;
    }

    /// <summary>The variance numerator.</summary>
    public double Scale { get; }

    /// <summary>The fan divided by.</summary>
    public FanMode Mode { get; }

    /// <summary>The distribution.</summary>
    public ScalingDistribution Distribution { get; }

    /// <inheritdoc/>
    public override string Name => "variance_scaling";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random)
    {
        var rng = GeneratorFor(random);
        var (fanIn, fanOut) = ComputeFans(shape);
        double n = Mode switch
        {
            FanMode.FanIn => fanIn,
            FanMode.FanOut => fanOut,
            _ => (fanIn + fanOut) / 2,
        };
        double variance = Scale / Math.Max(1.0, n);
        switch (Distribution)
        {
            case ScalingDistribution.TruncatedNormal:
                TruncatedNormal.FillTruncated(values, 0f, (float)(Math.Sqrt(variance) / TruncatedStd), rng);
                break;
            case ScalingDistribution.UntruncatedNormal:
                rng.FillNormal(values, 0f, (float)Math.Sqrt(variance));
                break;
            default:
                float limit = (float)Math.Sqrt(3 * variance);
                rng.FillUniform(values, -limit, limit);
                break;
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new()
    {
        ["scale"] = Scale,
        ["mode"] = KerasNames.ToSnakeCase(Mode.ToString()),
        ["distribution"] = KerasNames.ToSnakeCase(Distribution.ToString()),
        ["seed"] = Seed,
    };
}

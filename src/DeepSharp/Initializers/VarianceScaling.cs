using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Which fan a <see cref="VarianceScaling"/> initializer divides by.</summary>
public enum FanMode
{
    /// <summary>The number of inputs.</summary>
    FanIn,
    /// <summary>The number of outputs.</summary>
    FanOut,
    /// <summary>Their mean.</summary>
    FanAvg,
}

/// <summary>The distribution a <see cref="VarianceScaling"/> initializer draws from.</summary>
public enum ScalingDistribution
{
    /// <summary>Normal truncated at two standard deviations (rescaled to keep the variance).</summary>
    TruncatedNormal,
    /// <summary>Plain normal.</summary>
    UntruncatedNormal,
    /// <summary>Uniform.</summary>
    Uniform,
}

/// <summary>
/// Keras' <c>VarianceScaling</c>: values with variance <c>scale / n</c>, n being fan-in, fan-out or their mean.
/// Glorot (Xavier), He and LeCun initializers are its named settings.
/// </summary>
public class VarianceScaling : Initializer
{
    // The standard deviation of a unit normal truncated to [-2, 2]; dividing by it restores the variance.
    private const double TruncatedStd = 0.87962566103423978;

    /// <summary>Creates the initializer.</summary>
    public VarianceScaling(double scale = 1.0, FanMode mode = FanMode.FanIn,
        ScalingDistribution distribution = ScalingDistribution.TruncatedNormal, long? seed = null)
    {
        if (!(scale > 0)) throw new ArgumentException($"VarianceScaling: scale must be positive, got {scale}.", nameof(scale));
        Scale = scale;
        Mode = mode;
        Distribution = distribution;
        Seed = seed;
    }

    /// <summary>The variance numerator.</summary>
    public double Scale { get; }

    /// <summary>The fan divided by.</summary>
    public FanMode Mode { get; }

    /// <summary>The distribution.</summary>
    public ScalingDistribution Distribution { get; }

    /// <summary>A fixed seed, or null to use the generator passed in.</summary>
    public long? Seed { get; }

    /// <inheritdoc/>
    public override string Name => "variance_scaling";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random)
    {
        var rng = Seed is { } s ? new RandomGenerator(s) : random;
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
        ["mode"] = Initializers.Normalize(Mode.ToString()),
        ["distribution"] = Initializers.Normalize(Distribution.ToString()),
        ["seed"] = Seed,
    };
}

/// <summary>Glorot (Xavier) uniform: limit √(6 / (fanIn + fanOut)). Keras' default for Dense and Conv kernels.</summary>
public sealed class GlorotUniform(long? seed = null) : VarianceScaling(1.0, FanMode.FanAvg, ScalingDistribution.Uniform, seed)
{
    /// <inheritdoc/>
    public override string Name => "glorot_uniform";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}

/// <summary>Glorot (Xavier) normal: truncated normal with std √(2 / (fanIn + fanOut)).</summary>
public sealed class GlorotNormal(long? seed = null) : VarianceScaling(1.0, FanMode.FanAvg, ScalingDistribution.TruncatedNormal, seed)
{
    /// <inheritdoc/>
    public override string Name => "glorot_normal";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}

/// <summary>He uniform: limit √(6 / fanIn), for ReLU networks.</summary>
public sealed class HeUniform(long? seed = null) : VarianceScaling(2.0, FanMode.FanIn, ScalingDistribution.Uniform, seed)
{
    /// <inheritdoc/>
    public override string Name => "he_uniform";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}

/// <summary>He normal: truncated normal with std √(2 / fanIn), for ReLU networks.</summary>
public sealed class HeNormal(long? seed = null) : VarianceScaling(2.0, FanMode.FanIn, ScalingDistribution.TruncatedNormal, seed)
{
    /// <inheritdoc/>
    public override string Name => "he_normal";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}

/// <summary>LeCun uniform: limit √(3 / fanIn).</summary>
public sealed class LecunUniform(long? seed = null) : VarianceScaling(1.0, FanMode.FanIn, ScalingDistribution.Uniform, seed)
{
    /// <inheritdoc/>
    public override string Name => "lecun_uniform";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}

/// <summary>LeCun normal: truncated normal with std √(1 / fanIn), for SELU networks.</summary>
public sealed class LecunNormal(long? seed = null) : VarianceScaling(1.0, FanMode.FanIn, ScalingDistribution.TruncatedNormal, seed)
{
    /// <inheritdoc/>
    public override string Name => "lecun_normal";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}

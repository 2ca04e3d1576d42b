using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Uniform in [<see cref="MinVal"/>, <see cref="MaxVal"/>), as Keras' <c>RandomUniform</c> (default ±0.05).</summary>
public sealed class RandomUniform : Initializer
{
    /// <summary>Creates the initializer; <paramref name="seed"/> makes it draw the same values every time.</summary>
    public RandomUniform(float minVal = -0.05f, float maxVal = 0.05f, long? seed = null)
    {
        if (!(minVal <= maxVal)) throw new ArgumentException($"RandomUniform: minVal ({minVal}) must not exceed maxVal ({maxVal}).");
        MinVal = minVal;
        MaxVal = maxVal;
        Seed = seed;
    }

    /// <summary>The lower bound.</summary>
    public float MinVal { get; }

    /// <summary>The upper bound.</summary>
    public float MaxVal { get; }

    /// <summary>A fixed seed, or null to use the generator passed in.</summary>
    public long? Seed { get; }

    /// <inheritdoc/>
    public override string Name => "random_uniform";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) =>
        (Seed is { } s ? new RandomGenerator(s) : random).FillUniform(values, MinVal, MaxVal);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["minval"] = MinVal, ["maxval"] = MaxVal, ["seed"] = Seed };
}

/// <summary>Normal with <see cref="Mean"/> and <see cref="Stddev"/>, as Keras' <c>RandomNormal</c> (default std 0.05).</summary>
public sealed class RandomNormal : Initializer
{
    /// <summary>Creates the initializer; <paramref name="seed"/> makes it draw the same values every time.</summary>
    public RandomNormal(float mean = 0f, float stddev = 0.05f, long? seed = null)
    {
        if (!(stddev >= 0)) throw new ArgumentException($"RandomNormal: stddev must be non-negative, got {stddev}.", nameof(stddev));
        Mean = mean;
        Stddev = stddev;
        Seed = seed;
    }

    /// <summary>The mean.</summary>
    public float Mean { get; }

    /// <summary>The standard deviation.</summary>
    public float Stddev { get; }

    /// <summary>A fixed seed, or null to use the generator passed in.</summary>
    public long? Seed { get; }

    /// <inheritdoc/>
    public override string Name => "random_normal";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) =>
        (Seed is { } s ? new RandomGenerator(s) : random).FillNormal(values, Mean, Stddev);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["mean"] = Mean, ["stddev"] = Stddev, ["seed"] = Seed };
}

/// <summary>
/// Normal with values beyond two standard deviations drawn again, as Keras' <c>TruncatedNormal</c>
/// (default std 0.05). The result's standard deviation is about 0.88 of <see cref="Stddev"/>.
/// </summary>
public sealed class TruncatedNormal : Initializer
{
    /// <summary>Creates the initializer; <paramref name="seed"/> makes it draw the same values every time.</summary>
    public TruncatedNormal(float mean = 0f, float stddev = 0.05f, long? seed = null)
    {
        if (!(stddev >= 0)) throw new ArgumentException($"TruncatedNormal: stddev must be non-negative, got {stddev}.", nameof(stddev));
        Mean = mean;
        Stddev = stddev;
        Seed = seed;
    }

    /// <summary>The mean.</summary>
    public float Mean { get; }

    /// <summary>The standard deviation before truncation.</summary>
    public float Stddev { get; }

    /// <summary>A fixed seed, or null to use the generator passed in.</summary>
    public long? Seed { get; }

    /// <inheritdoc/>
    public override string Name => "truncated_normal";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) =>
        FillTruncated(values, Mean, Stddev, Seed is { } s ? new RandomGenerator(s) : random);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["mean"] = Mean, ["stddev"] = Stddev, ["seed"] = Seed };

    internal static void FillTruncated(Span<float> values, float mean, float stddev, RandomGenerator random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float z;
            do z = random.NextNormal(); while (z < -2f || z > 2f);
            values[i] = mean + stddev * z;
        }
    }
}

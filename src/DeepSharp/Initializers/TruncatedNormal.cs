using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Normal with values beyond two standard deviations drawn again, as Keras' <c>TruncatedNormal</c>
/// (default std 0.05). The result's standard deviation is about 0.88 of <see cref="Stddev"/>.
/// </summary>
public sealed class TruncatedNormal : RandomInitializer
{
    /// <summary>Creates the initializer; <paramref name="seed"/> makes it draw the same values every time.</summary>
    public TruncatedNormal(float mean = 0f, float stddev = 0.05f, long? seed = null)
        : base(seed)
    {
        if (!(stddev >= 0)) throw new ArgumentException($"TruncatedNormal: stddev must be non-negative, got {stddev}.", nameof(stddev));
        Mean = mean;
        Stddev = stddev;
    }

    /// <summary>The mean.</summary>
    public float Mean { get; }

    /// <summary>The standard deviation before truncation.</summary>
    public float Stddev { get; }

    /// <inheritdoc/>
    public override string Name => "truncated_normal";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) =>
        FillTruncated(values, Mean, Stddev, GeneratorFor(random));

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

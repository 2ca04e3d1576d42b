using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Normal with <see cref="Mean"/> and <see cref="Stddev"/>, as Keras' <c>RandomNormal</c> (default std 0.05).</summary>
public sealed class RandomNormal : RandomInitializer
{
    /// <summary>Creates the initializer; <paramref name="seed"/> makes it draw the same values every time.</summary>
    public RandomNormal(float mean = 0f, float stddev = 0.05f, long? seed = null)
        : base(seed)
    {
        if (!(stddev >= 0)) throw new ArgumentException($"RandomNormal: stddev must be non-negative, got {stddev}.", nameof(stddev));
        Mean = mean;
        Stddev = stddev;
    }

    /// <summary>The mean.</summary>
    public float Mean { get; }

    /// <summary>The standard deviation.</summary>
    public float Stddev { get; }

    /// <inheritdoc/>
    public override string Name => "random_normal";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) =>
        GeneratorFor(random).FillNormal(values, Mean, Stddev);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["mean"] = Mean, ["stddev"] = Stddev, ["seed"] = Seed };
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Uniform in [<see cref="MinVal"/>, <see cref="MaxVal"/>), as Keras' <c>RandomUniform</c> (default ±0.05).</summary>
public sealed class RandomUniform : RandomInitializer
{
    /// <summary>Creates the initializer; <paramref name="seed"/> makes it draw the same values every time.</summary>
    public RandomUniform(float minVal = -0.05f, float maxVal = 0.05f, long? seed = null)
        : base(seed)
    {
        if (!(minVal <= maxVal)) throw new ArgumentException($"RandomUniform: minVal ({minVal}) must not exceed maxVal ({maxVal}).");
        MinVal = minVal;
        MaxVal = maxVal;
    }

    /// <summary>The lower bound.</summary>
    public float MinVal { get; }

    /// <summary>The upper bound.</summary>
    public float MaxVal { get; }

    /// <inheritdoc/>
    public override string Name => "random_uniform";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) =>
        GeneratorFor(random).FillUniform(values, MinVal, MaxVal);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["minval"] = MinVal, ["maxval"] = MaxVal, ["seed"] = Seed };
}

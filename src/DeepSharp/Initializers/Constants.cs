using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>All zeros: Keras' default for biases.</summary>
public sealed class Zeros : Initializer
{
    /// <inheritdoc/>
    public override string Name => "zeros";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) => values.Clear();
}

/// <summary>All ones: Keras' default for batch normalization's scale.</summary>
public sealed class Ones : Initializer
{
    /// <inheritdoc/>
    public override string Name => "ones";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) => values.Fill(1f);
}

/// <summary>Every element equal to <see cref="Value"/>.</summary>
/// <param name="value">The value.</param>
public sealed class Constant(float value = 0f) : Initializer
{
    /// <summary>The value.</summary>
    public float Value { get; } = value;

    /// <inheritdoc/>
    public override string Name => "constant";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) => values.Fill(Value);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["value"] = Value };
}

/// <summary>The identity matrix times <see cref="Gain"/> (2-D weights only), as Keras' <c>Identity</c>.</summary>
/// <param name="gain">The diagonal value.</param>
public sealed class Identity(float gain = 1f) : Initializer
{
    /// <summary>The diagonal value.</summary>
    public float Gain { get; } = gain;

    /// <inheritdoc/>
    public override string Name => "identity";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random)
    {
        if (shape.Rank != 2)
            throw new ArgumentException($"Identity initializer: needs a 2-D weight shape, got {shape}.", nameof(shape));
        values.Clear();
        int columns = shape[1];
        for (int i = 0; i < Math.Min(shape[0], columns); i++) values[i * columns + i] = Gain;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["gain"] = Gain };
}

using System.Text.Json.Nodes;

namespace DeepSharp;

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

using System.Text.Json.Nodes;

namespace DeepSharp;

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

namespace DeepSharp;

/// <summary>All zeros: Keras' default for biases.</summary>
public sealed class Zeros : Initializer
{
    /// <inheritdoc/>
    public override string Name => "zeros";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) => values.Clear();
}

namespace DeepSharp;

/// <summary>All ones: Keras' default for batch normalization's scale.</summary>
public sealed class Ones : Initializer
{
    /// <inheritdoc/>
    public override string Name => "ones";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) => values.Fill(1f);
}

namespace DeepSharp;

/// <summary>Subtracts its second input from its first, as Keras' <c>Subtract</c>.</summary>
public sealed class Subtract : ElementwiseMerge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name (default "subtract", ...).</param>
    public Subtract(string? name = null) : base(name)
    {
    }

    /// <inheritdoc/>
    protected override int MaxInputs => 2;

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs) => inputs[0] - inputs[1];
}

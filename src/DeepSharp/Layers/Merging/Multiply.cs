using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Multiplies its inputs element by element, as Keras' <c>Multiply</c> (a gate).</summary>
public sealed class Multiply : ElementwiseMerge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name (default "multiply", ...).</param>
    public Multiply(string? name = null) : base(name)
    {
    }

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs)
    {
        var product = inputs[0] * inputs[1];
        for (int i = 2; i < inputs.Length; i++) product = product * inputs[i];
        return product;
    }

    /// <summary>Recreates the layer from the configuration <see cref="Layer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Multiply FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Multiply));
        return r.Finish(new Multiply(r.Name));
    }
}

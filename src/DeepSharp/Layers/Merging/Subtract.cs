using System.Text.Json.Nodes;

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

    /// <summary>Recreates the layer from the configuration <see cref="Layer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Subtract FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Subtract));
        return r.Finish(new Subtract(r.Name));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Adds its inputs element by element, as Keras' <c>Add</c> (a residual connection: <c>new Add().Call([x, shortcut])</c>).</summary>
public sealed class Add : ElementwiseMerge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name (default "add", "add_1", ...).</param>
    public Add(string? name = null) : base(name)
    {
    }

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs)
    {
        var sum = inputs[0] + inputs[1];
        for (int i = 2; i < inputs.Length; i++) sum = sum + inputs[i];
        return sum;
    }

    /// <summary>Recreates the layer from the configuration <see cref="Layer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Add FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Add));
        return r.Finish(new Add(r.Name));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Averages its inputs element by element, as Keras' <c>Average</c>.</summary>
public sealed class Average : ElementwiseMerge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name (default "average", ...).</param>
    public Average(string? name = null) : base(name)
    {
    }

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs)
    {
        var sum = inputs[0] + inputs[1];
        for (int i = 2; i < inputs.Length; i++) sum = sum + inputs[i];
        return sum * (1f / inputs.Length);
    }

    /// <summary>Recreates the layer from the configuration <see cref="Layer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Average FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Average));
        return r.Finish(new Average(r.Name));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Reshapes each sample to <see cref="TargetShape"/>, as Keras' <c>Reshape</c>; one dimension may be -1 and
/// is inferred. (batch, 784) with target (28, 28) becomes (batch, 28, 28).
/// </summary>
public sealed class Reshape : Layer
{
    private readonly int[] _target;

    /// <summary>Creates the layer.</summary>
    public Reshape(int[] targetShape, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Count(d => d == -1) > 1 || targetShape.Any(d => d == 0 || d < -1))
            throw new ArgumentException(
                $"Reshape: targetShape ({string.Join(", ", targetShape)}) may hold positive sizes and at most one -1.", nameof(targetShape));
        _target = (int[])targetShape.Clone();
    }

    /// <summary>The per-sample target shape (-1 for an inferred dimension).</summary>
    public IReadOnlyList<int> TargetShape => _target;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        int known = 1, unknownAt = -1;
        for (int i = 0; i < _target.Length; i++)
        {
            if (_target[i] == -1) unknownAt = i;
            else known *= _target[i];
        }
        Span<int> dims = stackalloc int[_target.Length]; // the training step's call: no allocation
        _target.CopyTo(dims);
        if (unknownAt >= 0)
        {
            if (known == 0 || inputShape.Size % known != 0) throw Mismatch(inputShape);
            dims[unknownAt] = inputShape.Size / known;
        }
        else if (known != inputShape.Size) throw Mismatch(inputShape);
        return new TensorShape(dims);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var sample = ComputeOutputShape(SampleShape(inputs.Shape));
        Span<int> dims = stackalloc int[sample.Rank + 1];
        dims[0] = inputs.Shape[0];
        sample.Dims.CopyTo(dims[1..]);
        return inputs.Reshape(dims);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["target_shape"] = new JsonArray(_target.Select(d => (JsonNode?)d).ToArray());
        return config;
    }

    private ArgumentException Mismatch(TensorShape inputShape) => new(
        $"Layer '{Name}' (Reshape): cannot reshape input {FormatBatch(inputShape)} ({inputShape.Size} values per sample) " +
        $"to target shape ({string.Join(", ", _target)}).");

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Reshape FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Reshape));
        return r.Finish(new Reshape(r.IntArray("target_shape"), r.Name, r.InputShape));
    }
}

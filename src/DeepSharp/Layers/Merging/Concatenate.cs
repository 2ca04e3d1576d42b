using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Joins its inputs along one axis, as Keras' <c>Concatenate</c>: every other dimension must agree. The axis
/// counts in the batch input (-1, the last, by default: features or channels; 0, the batch, is refused).
/// </summary>
public sealed class Concatenate : MergeLayer
{
    private const int DefaultAxis = -1;

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The axis of the batch inputs to join along (-1 for the last).</param>
    /// <param name="name">Layer name (default "concatenate", ...).</param>
    public Concatenate(int axis = DefaultAxis, string? name = null) : base(name)
    {
        if (axis == 0)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, "Concatenate: axis 0 is the batch axis; give a feature axis (-1 for the last).");
        Axis = axis;
    }

    /// <summary>The axis of the batch inputs joined along.</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        var first = inputShapes[0];
        int axis = SampleAxis(first);
        int total = 0;
        for (int i = 0; i < inputShapes.Count; i++)
        {
            var shape = inputShapes[i];
            bool fits = shape.Rank == first.Rank;
            for (int d = 0; fits && d < shape.Rank; d++) fits = d == axis || shape[d] == first[d];
            if (!fits)
                throw new ArgumentException(
                    $"Concatenate '{Name}' joins along axis {Axis}; all other dimensions must agree, but got {DescribeShapes(inputShapes)}.");
            total += shape[axis];
        }
        return first.With(axis, total);
    }

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs) => Ops.Concat(inputs, SampleAxis(SampleShape(inputs[0].Shape)) + 1);

    private int SampleAxis(TensorShape sampleShape)
    {
        int rank = sampleShape.Rank + 1;
        int axis = Axis < 0 ? Axis + rank : Axis;
        if (axis <= 0 || axis >= rank)
            throw new ArgumentException(
                $"Concatenate '{Name}': axis {Axis} is not a feature axis of inputs {FormatBatch(sampleShape)} (valid: 1 to {rank - 1}, or -{rank - 1} to -1).");
        return axis - 1;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Concatenate FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Concatenate));
        return r.Finish(new Concatenate(r.Optional("axis", DefaultAxis), r.Name));
    }
}

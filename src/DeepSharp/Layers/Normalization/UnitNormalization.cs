using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Unit normalization, as Keras' <c>UnitNormalization</c>: each sample is divided by its L2 norm over
/// <see cref="Axis"/> (the last axis by default), x / sqrt(max(Σx², 1e-12)), so that it has length one. No weights.
/// </summary>
public sealed class UnitNormalization : Layer
{
    // Keras' floor under the sum of squares: an all-zero input stays zero instead of becoming NaN.
    private const float SquareSumFloor = 1e-12f;

    private int[] _axes = [];

    /// <summary>Creates the layer over one axis (-1, the last, by default; 0 is the batch and is refused).</summary>
    /// <param name="axis">The axis whose vectors are made unit length.</param>
    /// <param name="name">Layer name (default "unit_normalization", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public UnitNormalization(int axis = -1, string? name = null, PartialShape? inputShape = null)
        : this([axis], name, inputShape)
    {
    }

    /// <summary>Creates the layer over several axes together (Keras' <c>axis=[1, 2]</c>).</summary>
    /// <param name="axis">The axes whose norm is taken together; none may be the batch axis 0.</param>
    /// <param name="name">Layer name (default "unit_normalization", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public UnitNormalization(int[] axis, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        Axis = NormalizationAxes.Checked(axis, nameof(UnitNormalization), nameof(axis));
    }

    /// <summary>The axes of the norm, as given (negative counts from the end of the batch shape).</summary>
    public IReadOnlyList<int> Axis { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "unit_normalization";

    /// <inheritdoc/>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        NormalizationAxes.Resolve(Axis, inputShape, Label);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) => _axes = NormalizationAxes.Resolve(Axis, inputShape, Label);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var squareSum = Ops.Sum(Ops.Square(inputs), _axes, keepDims: true);
        return Ops.Divide(inputs, Ops.Sqrt(Ops.Maximum(squareSum, Tensor.Scalar(SquareSumFloor))));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = NormalizationAxes.Write(Axis);
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static UnitNormalization FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(UnitNormalization));
        return r.Finish(new UnitNormalization(NormalizationAxes.Read(r, [-1]), r.Name, r.InputShape));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Layer normalization, as Keras' <c>LayerNormalization</c>: each sample is normalized on its own, to zero mean
/// and unit (biased) variance over <see cref="Axis"/> (the last axis by default), then scaled by <c>gamma</c> and
/// shifted by <c>beta</c>, weights shaped like the normalized axes. The same in training and inference; no
/// moving statistics.
/// </summary>
public sealed class LayerNormalization : AffineNormalization
{
    private int[] _axes = [];
    private int[] _broadcast = [];

    /// <summary>Creates the layer over one axis; arguments and defaults as Keras' LayerNormalization.</summary>
    /// <param name="axis">The axis to normalize over (-1, the last, by default; 0 is the batch and is refused).</param>
    /// <param name="epsilon">Added to the variance before its square root; positive.</param>
    /// <param name="center">Whether to learn an offset <c>beta</c>.</param>
    /// <param name="scale">Whether to learn a scale <c>gamma</c>.</param>
    /// <param name="betaInitializer">Initializer of beta (default zeros).</param>
    /// <param name="gammaInitializer">Initializer of gamma (default ones).</param>
    /// <param name="betaRegularizer">Penalty on beta.</param>
    /// <param name="gammaRegularizer">Penalty on gamma.</param>
    /// <param name="name">Layer name (default "layer_normalization", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public LayerNormalization(int axis = -1, float epsilon = DefaultEpsilon, bool center = CenterByDefault, bool scale = ScaleByDefault,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        string? name = null, PartialShape? inputShape = null)
        : this([axis], epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, name, inputShape)
    {
    }

    /// <summary>Creates the layer over several axes (Keras' <c>axis=[1, 2]</c>); the other arguments as the one-axis form.</summary>
    /// <param name="axis">The axes to normalize over together; none may be the batch axis 0.</param>
    /// <param name="epsilon">Added to the variance before its square root; positive.</param>
    /// <param name="center">Whether to learn an offset <c>beta</c>.</param>
    /// <param name="scale">Whether to learn a scale <c>gamma</c>.</param>
    /// <param name="betaInitializer">Initializer of beta (default zeros).</param>
    /// <param name="gammaInitializer">Initializer of gamma (default ones).</param>
    /// <param name="betaRegularizer">Penalty on beta.</param>
    /// <param name="gammaRegularizer">Penalty on gamma.</param>
    /// <param name="name">Layer name (default "layer_normalization", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public LayerNormalization(int[] axis, float epsilon = DefaultEpsilon, bool center = CenterByDefault, bool scale = ScaleByDefault,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        string? name = null, PartialShape? inputShape = null)
        : base(epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, name, inputShape)
    {
        Axis = NormalizationAxes.Checked(axis, nameof(LayerNormalization), nameof(axis));
    }

    /// <summary>The axes normalized over, as given (negative counts from the end of the batch shape).</summary>
    public IReadOnlyList<int> Axis { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "layer_normalization";

    /// <inheritdoc/>
    /// <remarks>Every axis but the normalized ones, which gamma and beta are made for.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => !Axis.Any(a => (a < 0 ? a + rank + 1 : a) == axis + 1);

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        NormalizationAxes.Resolve(Axis, inputShape, Label);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        _axes = NormalizationAxes.Resolve(Axis, inputShape, Label);
        _broadcast = NormalizationAxes.BroadcastShape(inputShape, _axes);
        AddAffineWeights(new TensorShape(_axes.Select(a => inputShape[a - 1]).ToArray()));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        // The trailing axes (the usual case: the features) take the fused kernel; other axes the chain of ops.
        if (_axes[0] == inputs.Rank - _axes.Length && _axes[^1] == inputs.Rank - 1)
            return Ops.LayerNormalization(inputs, Gamma, Beta, Epsilon, _axes.Length);
        return ApplyAffine(NormalizationAxes.Standardize(inputs, _axes, Epsilon), _broadcast);
    }

    /// <summary>
    /// Whether a functional model runs an <see cref="Add"/> of two inputs and the layer normalization called on its sum as
    /// one op (<see cref="CallResidual"/>); false runs them apart, for A/B comparisons. Starts false when the environment
    /// variable <c>DEEPSHARP_RESIDUAL_NORM</c> is <c>separate</c>.
    /// </summary>
    internal static bool FusesResidual { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RESIDUAL_NORM"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <see cref="CallResidual"/> may write the sum into the buffer of an operand that nothing reads after it
    /// (<see cref="Ops.AddLayerNormalization(Tensor, Tensor, Tensor?, Tensor?, float, int, int, out Tensor)"/>) rather than into
    /// a new one; the same values either way. False for A/B comparisons; starts false when the environment variable
    /// <c>DEEPSHARP_RESIDUAL_SUM</c> is <c>separate</c>.
    /// </summary>
    internal static bool SumIntoOperand { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RESIDUAL_SUM"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <paramref name="x"/> + <paramref name="branch"/> (the residual connection <paramref name="add"/> makes) and this layer
    /// on that sum as one op (<see cref="Ops.AddLayerNormalization(Tensor, Tensor, Tensor?, Tensor?, float, int, int, out Tensor)"/>):
    /// the values of the two layers called one after the other, the sum in <paramref name="sum"/>. Null when they do not
    /// fuse (the caller then calls both): the operands are contiguous and of one shape (a broadcast view, such as a position
    /// embedding, is added better by the add itself), this layer normalizes trailing axes, and neither layer has an activity
    /// regularizer. <paramref name="writableOperand"/> (0: x, 1: branch, -1: neither) names an operand that nothing reads
    /// after this call in forward: the sum may take its buffer.
    /// </summary>
    internal Tensor? CallResidual(Add add, Tensor x, Tensor branch, int writableOperand, out Tensor? sum)
    {
        sum = null;
        if (!FusesResidual || add.ActivityRegularizer is not null || ActivityRegularizer is not null || x.Rank < 2 || x.Shape != branch.Shape
            || !x.IsContiguous || !branch.IsContiguous)
            return null;
        EnsureBuilt(SampleShape(x.Shape));
        if (_axes[0] != x.Rank - _axes.Length || _axes[^1] != x.Rank - 1) return null;
        return Ops.AddLayerNormalization(x, branch, Gamma, Beta, Epsilon, _axes.Length, SumIntoOperand ? writableOperand : -1, out sum);
    }

    /// <inheritdoc/>
    private protected override void WriteAxes(JsonObject config) => config["axis"] = NormalizationAxes.Write(Axis);

    /// <summary>Recreates the layer from the configuration <see cref="AffineNormalization.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static LayerNormalization FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(LayerNormalization));
        return r.Finish(new LayerNormalization(NormalizationAxes.Read(r, [-1]), r.Optional("epsilon", DefaultEpsilon),
            r.Optional("center", CenterByDefault), r.Optional("scale", ScaleByDefault),
            r.Initializer("beta_initializer"), r.Initializer("gamma_initializer"),
            r.Regularizer("beta_regularizer"), r.Regularizer("gamma_regularizer"), r.Name, r.InputShape));
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Layer normalization, as Keras' <c>LayerNormalization</c>: each sample is normalized on its own, to zero mean
/// and unit (biased) variance over <see cref="Axis"/> (the last axis by default), then scaled by <c>gamma</c> and
/// shifted by <c>beta</c>, weights shaped like the normalized axes. The same in training and inference; no
/// moving statistics.
/// </summary>
public sealed class LayerNormalization : Layer
{
    private const float DefaultEpsilon = 1e-3f;
    private const bool CenterByDefault = true, ScaleByDefault = true;

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
        : base(name, inputShape)
    {
        Axis = NormalizationAxes.Checked(axis, nameof(LayerNormalization), nameof(axis));
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"LayerNormalization: epsilon must be a positive number; got {epsilon}.");
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? new Zeros();
        GammaInitializer = gammaInitializer ?? new Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
    }

    /// <summary>The axes normalized over, as given (negative counts from the end of the batch shape).</summary>
    public IReadOnlyList<int> Axis { get; }

    /// <summary>Added to the variance before its square root.</summary>
    public float Epsilon { get; }

    /// <summary>Whether an offset beta is learned.</summary>
    public bool Center { get; }

    /// <summary>Whether a scale gamma is learned.</summary>
    public bool Scale { get; }

    /// <summary>Initializer of beta.</summary>
    public Initializer BetaInitializer { get; }

    /// <summary>Initializer of gamma.</summary>
    public Initializer GammaInitializer { get; }

    /// <summary>Penalty on beta, if any.</summary>
    public Regularizer? BetaRegularizer { get; }

    /// <summary>Penalty on gamma, if any.</summary>
    public Regularizer? GammaRegularizer { get; }

    /// <summary>The learned scale (the normalized axes' sizes), or null without <see cref="Scale"/> (after build).</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>The learned offset (the normalized axes' sizes), or null without <see cref="Center"/> (after build).</summary>
    public Tensor? Beta { get; private set; }

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
        var weightShape = new TensorShape(_axes.Select(a => inputShape[a - 1]).ToArray());
        if (Scale) Gamma = AddWeight("gamma", weightShape, GammaInitializer, GammaRegularizer);
        if (Center) Beta = AddWeight("beta", weightShape, BetaInitializer, BetaRegularizer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        // The trailing axes (the usual case: the features) take the fused kernel; other axes the chain of ops.
        if (_axes[0] == inputs.Rank - _axes.Length && _axes[^1] == inputs.Rank - 1)
            return Ops.LayerNormalization(inputs, Gamma, Beta, Epsilon, _axes.Length);
        var y = NormalizationAxes.Standardize(inputs, _axes, Epsilon);
        if (Gamma is not null) y = Ops.Multiply(y, Ops.Reshape(Gamma, _broadcast));
        if (Beta is not null) y = Ops.Add(y, Ops.Reshape(Beta, _broadcast));
        return y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = NormalizationAxes.Write(Axis);
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["beta_initializer"] = LayerConfigWriter.Initializer(BetaInitializer);
        config["gamma_initializer"] = LayerConfigWriter.Initializer(GammaInitializer);
        config["beta_regularizer"] = LayerConfigWriter.Regularizer(BetaRegularizer);
        config["gamma_regularizer"] = LayerConfigWriter.Regularizer(GammaRegularizer);
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static LayerNormalization FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(LayerNormalization));
        return r.Finish(new LayerNormalization(NormalizationAxes.Read(r, [-1]), r.Optional("epsilon", DefaultEpsilon),
            r.Optional("center", CenterByDefault), r.Optional("scale", ScaleByDefault),
            r.Initializer("beta_initializer"), r.Initializer("gamma_initializer"),
            r.Regularizer("beta_regularizer"), r.Regularizer("gamma_regularizer"), r.Name, r.InputShape));
    }
}

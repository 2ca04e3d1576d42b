using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Batch normalization, as Keras' <c>BatchNormalization</c>: normalizes each channel (the last axis by default)
/// to zero mean and unit variance, then scales by <c>gamma</c> and shifts by <c>beta</c>. In training (inside
/// <c>Fit</c>) it uses the batch's statistics (over N·H·W for NHWC images, over N for (batch, features)) and
/// updates the moving mean and variance, non-trainable weights, as moving·momentum + batch·(1 − momentum);
/// at inference, and whenever the layer is not trainable (as in Keras), it uses the moving statistics.
/// </summary>
public sealed class BatchNormalization : Layer
{
    private const int DefaultAxis = -1;
    private const float DefaultMomentum = 0.99f, DefaultEpsilon = 1e-3f;
    private const bool CenterByDefault = true, ScaleByDefault = true;

    /// <summary>Creates the layer; arguments and defaults as Keras' BatchNormalization.</summary>
    /// <param name="axis">The channel axis of the batch input (-1, the last, by default; 0 is the batch and is refused).</param>
    /// <param name="momentum">Weight of the old moving statistics at each update, in [0, 1].</param>
    /// <param name="epsilon">Added to the variance before its square root; positive.</param>
    /// <param name="center">Whether to learn an offset <c>beta</c>.</param>
    /// <param name="scale">Whether to learn a scale <c>gamma</c>.</param>
    /// <param name="betaInitializer">Initializer of beta (default zeros).</param>
    /// <param name="gammaInitializer">Initializer of gamma (default ones).</param>
    /// <param name="movingMeanInitializer">Initializer of the moving mean (default zeros).</param>
    /// <param name="movingVarianceInitializer">Initializer of the moving variance (default ones).</param>
    /// <param name="betaRegularizer">Penalty on beta.</param>
    /// <param name="gammaRegularizer">Penalty on gamma.</param>
    /// <param name="name">Layer name (default "batch_normalization", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public BatchNormalization(int axis = DefaultAxis, float momentum = DefaultMomentum, float epsilon = DefaultEpsilon,
        bool center = CenterByDefault, bool scale = ScaleByDefault,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Initializer? movingMeanInitializer = null, Initializer? movingVarianceInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        if (axis == 0)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, "BatchNormalization: axis 0 is the batch axis; give the channel axis (-1 for the last).");
        if (!(momentum >= 0f && momentum <= 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"BatchNormalization: momentum must be in [0, 1]; got {momentum}.");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"BatchNormalization: epsilon must be a positive number; got {epsilon}.");
        Axis = axis;
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? new Zeros();
        GammaInitializer = gammaInitializer ?? new Ones();
        MovingMeanInitializer = movingMeanInitializer ?? new Zeros();
        MovingVarianceInitializer = movingVarianceInitializer ?? new Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
    }

    /// <summary>The channel axis of the batch input (negative counts from the end).</summary>
    public int Axis { get; }

    /// <summary>Weight of the old moving statistics at each update.</summary>
    public float Momentum { get; }

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

    /// <summary>Initializer of the moving mean.</summary>
    public Initializer MovingMeanInitializer { get; }

    /// <summary>Initializer of the moving variance.</summary>
    public Initializer MovingVarianceInitializer { get; }

    /// <summary>Penalty on beta, if any.</summary>
    public Regularizer? BetaRegularizer { get; }

    /// <summary>Penalty on gamma, if any.</summary>
    public Regularizer? GammaRegularizer { get; }

    /// <summary>The learned scale (channels), or null without <see cref="Scale"/> (after build).</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>The learned offset (channels), or null without <see cref="Center"/> (after build).</summary>
    public Tensor? Beta { get; private set; }

    /// <summary>The moving mean (channels), a non-trainable weight (after build).</summary>
    public Tensor MovingMean { get; private set; } = null!;

    /// <summary>The moving variance (channels), a non-trainable weight (after build).</summary>
    public Tensor MovingVariance { get; private set; } = null!;

    /// <inheritdoc/>
    protected override string DefaultName => "batch_normalization";

    /// <inheritdoc/>
    /// <remarks>Every axis but the channels, whose statistics are kept.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis + 1 != (Axis < 0 ? Axis + rank + 1 : Axis);

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ChannelAxis(inputShape);
        return inputShape;
    }

    /// <summary>The channel axis within a per-sample shape, checked.</summary>
    private int ChannelAxis(TensorShape sampleShape)
    {
        int rank = sampleShape.Rank + 1;
        int axis = Axis < 0 ? Axis + rank : Axis;
        if (axis <= 0 || axis >= rank)
            throw new ArgumentException(
                $"BatchNormalization '{Name}': axis {Axis} is not a channel axis of input {FormatBatch(sampleShape)} (rank {rank}; valid: 1 to {rank - 1}, or -{rank - 1} to -1).");
        return axis - 1;
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = inputShape[ChannelAxis(inputShape)];
        if (Scale) Gamma = AddWeight("gamma", [channels], GammaInitializer, GammaRegularizer);
        if (Center) Beta = AddWeight("beta", [channels], BetaInitializer, BetaRegularizer);
        MovingMean = AddWeight("moving_mean", [channels], MovingMeanInitializer, trainable: false);
        MovingVariance = AddWeight("moving_variance", [channels], MovingVarianceInitializer, trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.BatchNormalization(inputs, MovingMean, MovingVariance, Gamma, Beta, training && Trainable, Momentum, Epsilon,
            Axis, Label);

    /// <summary>
    /// This layer and the LeakyReLU <paramref name="next"/> on <paramref name="inputs"/> as one op (the values of the two
    /// called one after the other, without the tensor between them); null when <paramref name="next"/> is not a LeakyReLU,
    /// or either layer has an activity regularizer (the caller then calls both).
    /// </summary>
    internal Tensor? CallLeaky(Tensor inputs, Layer next, bool training)
    {
        if (next is not LeakyReLU leaky || !Ops.FusesActivations || ActivityRegularizer is not null || leaky.ActivityRegularizer is not null
            || inputs.Rank == 0)
            return null;
        var sample = SampleShape(inputs.Shape);
        EnsureBuilt(sample);
        leaky.EnsureBuilt(ComputeOutputShape(sample)); // refuses, naming the layer, what it would refuse on its own
        return Ops.BatchNormalization(inputs, MovingMean, MovingVariance, Gamma, Beta, training && Trainable, Momentum, Epsilon,
            Axis, Label, leaky.NegativeSlope);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["beta_initializer"] = LayerConfigWriter.Initializer(BetaInitializer);
        config["gamma_initializer"] = LayerConfigWriter.Initializer(GammaInitializer);
        config["moving_mean_initializer"] = LayerConfigWriter.Initializer(MovingMeanInitializer);
        config["moving_variance_initializer"] = LayerConfigWriter.Initializer(MovingVarianceInitializer);
        config["beta_regularizer"] = LayerConfigWriter.Regularizer(BetaRegularizer);
        config["gamma_regularizer"] = LayerConfigWriter.Regularizer(GammaRegularizer);
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static BatchNormalization FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(BatchNormalization));
        int axis = !r.TryGet("axis", out var node) ? DefaultAxis : node switch
        {
            JsonArray { Count: 1 } => r.IntArray("axis", node)[0],
            JsonArray => throw new FormatException($"{r.Owner}: normalizing over several axes is not supported; give one channel axis."),
            _ => r.Value<int>("axis", node),
        };
        return r.Finish(new BatchNormalization(axis, r.Optional("momentum", DefaultMomentum), r.Optional("epsilon", DefaultEpsilon),
            r.Optional("center", CenterByDefault), r.Optional("scale", ScaleByDefault),
            r.Initializer("beta_initializer"), r.Initializer("gamma_initializer"),
            r.Initializer("moving_mean_initializer"), r.Initializer("moving_variance_initializer"),
            r.Regularizer("beta_regularizer"), r.Regularizer("gamma_regularizer"), r.Name, r.InputShape));
    }
}

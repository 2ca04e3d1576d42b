using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Group normalization, as Keras' <c>GroupNormalization</c>: the channels (the last axis by default) are split into
/// <see cref="Groups"/> groups of consecutive channels, and each sample is normalized to zero mean and unit (biased)
/// variance over each group's channels and all the other non-batch axes (height and width of an image); then each
/// channel is scaled by <c>gamma</c> and shifted by <c>beta</c>. One group is layer normalization over the whole
/// sample, one group per channel (<c>groups: -1</c>) is instance normalization.
/// </summary>
public sealed class GroupNormalization : Layer
{
    private const int DefaultGroups = 32, DefaultAxis = -1;
    private const float DefaultEpsilon = 1e-3f;
    private const bool CenterByDefault = true, ScaleByDefault = true;

    private int _axis, _groups;
    private int[] _reduced = [];
    private int[] _broadcast = [];

    /// <summary>Creates the layer; arguments and defaults as Keras' GroupNormalization.</summary>
    /// <param name="groups">The number of groups, dividing the channels; -1 for one group per channel.</param>
    /// <param name="axis">The channel axis (-1, the last, by default; 0 is the batch and is refused).</param>
    /// <param name="epsilon">Added to the variance before its square root; positive.</param>
    /// <param name="center">Whether to learn an offset <c>beta</c> per channel.</param>
    /// <param name="scale">Whether to learn a scale <c>gamma</c> per channel.</param>
    /// <param name="betaInitializer">Initializer of beta (default zeros).</param>
    /// <param name="gammaInitializer">Initializer of gamma (default ones).</param>
    /// <param name="betaRegularizer">Penalty on beta.</param>
    /// <param name="gammaRegularizer">Penalty on gamma.</param>
    /// <param name="name">Layer name (default "group_normalization", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public GroupNormalization(int groups = DefaultGroups, int axis = DefaultAxis, float epsilon = DefaultEpsilon,
        bool center = CenterByDefault, bool scale = ScaleByDefault,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        if (groups == 0 || groups < -1)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"GroupNormalization: groups must be a positive number of groups, or -1 for one per channel; got {groups}.");
        if (axis == 0)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, "GroupNormalization: axis 0 is the batch axis; give the channel axis (-1 for the last).");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"GroupNormalization: epsilon must be a positive number; got {epsilon}.");
        Groups = groups;
        Axis = axis;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? new Zeros();
        GammaInitializer = gammaInitializer ?? new Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
    }

    /// <summary>The number of groups as given (-1: one per channel).</summary>
    public int Groups { get; }

    /// <summary>The channel axis of the batch input (negative counts from the end).</summary>
    public int Axis { get; }

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

    /// <summary>The learned scale (channels), or null without <see cref="Scale"/> (after build).</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>The learned offset (channels), or null without <see cref="Center"/> (after build).</summary>
    public Tensor? Beta { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "group_normalization";

    /// <inheritdoc/>
    /// <remarks>Every axis but the channels.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis + 1 != (Axis < 0 ? Axis + rank + 1 : Axis);

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ResolveGroups(inputShape);
        return inputShape;
    }

    /// <summary>The channel axis (of the batch) and the number of groups for <paramref name="sampleShape"/>, checked.</summary>
    private (int Axis, int Groups) ResolveGroups(TensorShape sampleShape)
    {
        int axis = NormalizationAxes.Resolve([Axis], sampleShape, Label)[0];
        int channels = sampleShape[axis - 1];
        int groups = Groups == -1 ? channels : Groups;
        if (groups > channels || channels % groups != 0)
            throw new ArgumentException(
                $"{Label}: {groups} groups do not divide the {channels} channels of axis {Axis} of input {FormatBatch(sampleShape)}; give a number of groups that divides {channels}.");
        return (axis, groups);
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        (_axis, _groups) = ResolveGroups(inputShape);
        // Inputs are seen as (..., groups, channels per group, ...): moments over every axis but the batch and the group.
        _reduced = Enumerable.Range(1, inputShape.Rank + 1).Where(a => a != _axis).ToArray();
        _broadcast = NormalizationAxes.BroadcastShape(inputShape, [_axis]);
        int channels = inputShape[_axis - 1];
        if (Scale) Gamma = AddWeight("gamma", [channels], GammaInitializer, GammaRegularizer);
        if (Center) Beta = AddWeight("beta", [channels], BetaInitializer, BetaRegularizer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var dims = inputs.Shape.Dims;
        int[] grouped = [.. dims[.._axis], _groups, dims[_axis] / _groups, .. dims[(_axis + 1)..]];
        var y = Ops.Reshape(NormalizationAxes.Standardize(Ops.Reshape(inputs, grouped), _reduced, Epsilon), inputs.Shape);
        if (Gamma is not null) y = Ops.Multiply(y, Ops.Reshape(Gamma, _broadcast));
        if (Beta is not null) y = Ops.Add(y, Ops.Reshape(Beta, _broadcast));
        return y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["groups"] = Groups;
        config["axis"] = Axis;
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
    public static GroupNormalization FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(GroupNormalization));
        return r.Finish(new GroupNormalization(r.Optional("groups", DefaultGroups), r.Optional("axis", DefaultAxis), r.Optional("epsilon", DefaultEpsilon),
            r.Optional("center", CenterByDefault), r.Optional("scale", ScaleByDefault),
            r.Initializer("beta_initializer"), r.Initializer("gamma_initializer"),
            r.Regularizer("beta_regularizer"), r.Regularizer("gamma_regularizer"), r.Name, r.InputShape));
    }
}

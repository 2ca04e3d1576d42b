using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Runs a recurrent layer over the sequence both ways and merges the two outputs, as Keras' <c>Bidirectional</c>:
/// the backward layer is a copy with goBackwards flipped (named "backward_" + the layer's name), its output
/// sequence is turned back into time order, and the two are merged by <see cref="MergeMode"/>: "concat" (the
/// default, features side by side), "sum", "mul" or "ave". A step mask reaches both directions.
/// </summary>
public sealed class Bidirectional : Layer, IMaskingLayer, IOutputHint
{
    private const string DefaultMergeMode = "concat";

    private int[] _reversed = [];

    /// <summary>Wraps <paramref name="layer"/>.</summary>
    /// <param name="layer">The forward recurrent layer.</param>
    /// <param name="mergeMode">"concat", "sum", "mul" or "ave".</param>
    /// <param name="backwardLayer">The backward layer; by default a copy of <paramref name="layer"/> going the other way.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape [timesteps, features] when this is a model's first layer.</param>
    public Bidirectional(RecurrentLayer layer, string mergeMode = DefaultMergeMode, RecurrentLayer? backwardLayer = null,
        string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (mergeMode is not ("concat" or "sum" or "mul" or "ave"))
            throw new ArgumentException($"Bidirectional: mergeMode must be \"concat\", \"sum\", \"mul\" or \"ave\"; got \"{mergeMode}\".", nameof(mergeMode));
        if (layer.IsBuilt)
            throw new ArgumentException($"Bidirectional: layer '{layer.Name}' is already built; wrap a new layer.", nameof(layer));
        ForwardLayer = layer;
        MergeMode = mergeMode;
        BackwardLayer = backwardLayer ?? Reversed(layer);
        if (BackwardLayer.GoBackwards == ForwardLayer.GoBackwards)
            throw new ArgumentException(
                $"Bidirectional: the backward layer '{BackwardLayer.Name}' must have goBackwards opposite to the forward layer's ({ForwardLayer.GoBackwards}).", nameof(backwardLayer));
        if (BackwardLayer.ReturnSequences != ForwardLayer.ReturnSequences || BackwardLayer.Units != ForwardLayer.Units && mergeMode != "concat")
            throw new ArgumentException(
                $"Bidirectional: the backward layer '{BackwardLayer.Name}' must match the forward layer's returnSequences and units.", nameof(backwardLayer));
    }

    /// <summary>The layer reading the sequence in time order.</summary>
    public RecurrentLayer ForwardLayer { get; }

    /// <summary>The layer reading it last step first.</summary>
    public RecurrentLayer BackwardLayer { get; }

    /// <summary>How the two outputs are merged.</summary>
    public string MergeMode { get; }

    /// <inheritdoc/>
    public override bool Trainable
    {
        get => base.Trainable;
        set
        {
            base.Trainable = value;
            ForwardLayer.Trainable = value;
            BackwardLayer.Trainable = value;
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Weights => [.. ForwardLayer.Weights, .. BackwardLayer.Weights];

    /// <inheritdoc/>
    internal override void CollectRandomGenerators(List<RandomGenerator> into)
    {
        base.CollectRandomGenerators(into);
        ForwardLayer.CollectRandomGenerators(into);
        BackwardLayer.CollectRandomGenerators(into);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> TrainableWeights => Trainable ? [.. ForwardLayer.TrainableWeights, .. BackwardLayer.TrainableWeights] : [];

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> NonTrainableWeights =>
        Trainable ? [.. ForwardLayer.NonTrainableWeights, .. BackwardLayer.NonTrainableWeights] : Weights;

    /// <inheritdoc/>
    /// <remarks>The time steps may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        var forward = ForwardLayer.ComputeOutputShape(inputShape);
        var backward = BackwardLayer.ComputeOutputShape(inputShape);
        return MergeMode == "concat" ? forward.With(-1, forward[-1] + backward[-1]) : forward;
    }

    /// <inheritdoc/>
    protected override bool IsCompatibleInput(TensorShape built, TensorShape received) =>
        received.Rank == 2 && received[-1] == built[-1];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        ForwardLayer.EnsureBuilt(inputShape);
        BackwardLayer.EnsureBuilt(inputShape);
    }

    private protected override void BuildPartial(PartialShape inputShape)
    {
        ForwardLayer.EnsureBuilt(inputShape);
        BackwardLayer.EnsureBuilt(inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        Tensor? mask = _callMask;
        var forward = ((IMaskingLayer)ForwardLayer).CallMasked(inputs, ref mask, training);
        mask = _callMask;
        var backward = ((IMaskingLayer)BackwardLayer).CallMasked(inputs, ref mask, training);
        if (BackwardLayer.ReturnSequences) backward = Ops.Gather(backward, Reversal(inputs.Shape[1]), 1);
        return MergeMode switch
        {
            "concat" => Ops.Concat([forward, backward], -1),
            "sum" => forward + backward,
            "mul" => forward * backward,
            _ => (forward + backward) * 0.5f,
        };
    }

    private Tensor? _callMask;

    Tensor IMaskingLayer.CallMasked(Tensor inputs, ref Tensor? mask, bool training)
    {
        _callMask = mask;
        try
        {
            var output = Call(inputs, training);
            if (!ForwardLayer.ReturnSequences) mask = null;
            return output;
        }
        finally
        {
            _callMask = null;
        }
    }

    /// <summary>Advice for a next layer that refuses this layer's output.</summary>
    string IOutputHint.HintForNextLayer() => ForwardLayer.ReturnSequences
        ? ""
        : $"Set returnSequences: true on the {ForwardLayer.ClassName} wrapped by '{Name}' (Bidirectional) so that it outputs the whole sequence.";

    /// <summary>Indices steps−1, ..., 0, kept between calls.</summary>
    private ReadOnlySpan<int> Reversal(int steps)
    {
        if (_reversed.Length != steps)
        {
            _reversed = new int[steps];
            for (int t = 0; t < steps; t++) _reversed[t] = steps - 1 - t;
        }
        return _reversed;
    }

    /// <inheritdoc/>
    internal override Tensor? AddRegularizationLosses(Tensor? total) =>
        BackwardLayer.AddRegularizationLosses(ForwardLayer.AddRegularizationLosses(base.AddRegularizationLosses(total)));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = new JsonObject { ["class_name"] = ForwardLayer.ClassName, ["config"] = ForwardLayer.GetConfig() };
        config["merge_mode"] = MergeMode;
        config["backward_layer"] = new JsonObject { ["class_name"] = BackwardLayer.ClassName, ["config"] = BackwardLayer.GetConfig() };
        return config;
    }

    /// <summary>A copy of <paramref name="layer"/>'s configuration going the other way, named "backward_…".</summary>
    private static RecurrentLayer Reversed(RecurrentLayer layer)
    {
        var config = layer.GetConfig();
        config["go_backwards"] = !layer.GoBackwards;
        config["name"] = "backward_" + layer.Name;
        config.Remove("input_shape");
        return (RecurrentLayer)LayerRegistry.Create(new JsonObject { ["class_name"] = layer.ClassName, ["config"] = config });
    }

    /// <summary>Recreates the wrapper and both its layers from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Bidirectional FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Bidirectional));
        var forward = r.Layer("layer") as RecurrentLayer ?? throw new FormatException($"{r.Owner}: the saved 'layer' is not a recurrent layer.");
        var backward = r.Object("backward_layer") is { } b
            ? LayerRegistry.Create(b) as RecurrentLayer ?? throw new FormatException($"{r.Owner}: the saved 'backward_layer' is not a recurrent layer.")
            : null;
        return r.Finish(new Bidirectional(forward, r.Optional("merge_mode", DefaultMergeMode), backward, r.Name, r.InputShape));
    }
}

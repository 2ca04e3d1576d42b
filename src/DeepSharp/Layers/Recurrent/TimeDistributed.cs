using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Applies a layer to every time step, as Keras' <c>TimeDistributed</c>: inputs [batch, timesteps, ...] are
/// folded to [batch·timesteps, ...], the wrapped layer runs once on all of them (one set of weights), and the
/// output is unfolded to [batch, timesteps, ...]. A step mask passes through.
/// </summary>
public sealed class TimeDistributed : Layer, IMaskingLayer
{
    /// <summary>Wraps <paramref name="layer"/>.</summary>
    /// <param name="layer">The layer applied to each step (its input shape leaves out the time axis).</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape [timesteps, ...] when this is a model's first layer.</param>
    public TimeDistributed(Layer layer, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Layer = layer;
    }

    /// <summary>The wrapped layer.</summary>
    public Layer Layer { get; }

    /// <inheritdoc/>
    public override bool Trainable
    {
        get => base.Trainable;
        set
        {
            base.Trainable = value;
            Layer.Trainable = value;
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Weights => Layer.Weights;

    /// <inheritdoc/>
    internal override void CollectRandomGenerators(List<RandomGenerator> into)
    {
        base.CollectRandomGenerators(into);
        Layer.CollectRandomGenerators(into);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> TrainableWeights => Trainable ? Layer.TrainableWeights : [];

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> NonTrainableWeights => Trainable ? Layer.NonTrainableWeights : Layer.Weights;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank < 2)
            throw new ArgumentException(
                $"Layer '{Name}' (TimeDistributed) expects input of at least 3 dimensions [batch, timesteps, ...]; received {FormatBatch(inputShape)}.");
        var inner = Layer.ComputeOutputShape(StepShape(inputShape));
        Span<int> dims = stackalloc int[inner.Rank + 1];
        dims[0] = inputShape[0];
        inner.Dims.CopyTo(dims[1..]);
        return new TensorShape(dims);
    }

    /// <inheritdoc/>
    protected override bool IsCompatibleInput(TensorShape built, TensorShape received) =>
        received.Rank == built.Rank && StepShape(received) == StepShape(built);

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) => Layer.EnsureBuilt(StepShape(inputShape));

    /// <inheritdoc/>
    /// <remarks>The time steps may be unknown, and the dimensions of a step that the wrapped layer takes unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0 || (rank >= 2 && Layer.TakesUnknownDimension(axis - 1, rank - 1));

    private protected override void BuildPartial(PartialShape inputShape) => Layer.EnsureBuilt(new PartialShape(inputShape.ToArray()[1..]));

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        int batch = inputs.Shape[0], steps = inputs.Shape[1];
        Span<int> folded = stackalloc int[inputs.Rank - 1];
        folded[0] = batch * steps;
        inputs.Shape.Dims[2..].CopyTo(folded[1..]);
        var y = Layer.Call(Ops.Reshape(inputs, folded), training);
        Span<int> unfolded = stackalloc int[y.Rank + 1];
        unfolded[0] = batch;
        unfolded[1] = steps;
        y.Shape.Dims[1..].CopyTo(unfolded[2..]);
        return Ops.Reshape(y, unfolded);
    }

    Tensor IMaskingLayer.CallMasked(Tensor inputs, ref Tensor? mask, bool training) => Call(inputs, training);

    /// <inheritdoc/>
    internal override Tensor? AddRegularizationLosses(Tensor? total) => Layer.AddRegularizationLosses(base.AddRegularizationLosses(total));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = new JsonObject { ["class_name"] = Layer.ClassName, ["config"] = Layer.GetConfig() };
        return config;
    }

    private static TensorShape StepShape(TensorShape inputShape) => new(inputShape.Dims[1..]);

    /// <summary>Recreates the wrapper and its layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static TimeDistributed FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(TimeDistributed));
        return r.Finish(new TimeDistributed(r.Layer("layer"), r.Name, r.InputShape));
    }
}

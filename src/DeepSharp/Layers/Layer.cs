using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A building block of a model, as a Keras layer: it creates its weights in <see cref="Build"/> once the
/// input shape is known, and computes its output in <see cref="Forward"/>. Shapes given to and returned by
/// layers leave out the batch dimension: a Dense layer on 784 features sees the input shape (784,).
/// </summary>
public abstract class Layer
{
    private static readonly Dictionary<string, int> NameCounts = new(StringComparer.Ordinal);
    private readonly List<Tensor> _weights = [];
    private readonly List<(Tensor Weight, Regularizer Regularizer)> _regularized = [];
    private bool _trainable = true;
    private Tensor? _activityPenalty;
    private string? _label;
    private List<RandomGenerator>? _randomGenerators;

    /// <summary>Creates a layer; a null <paramref name="name"/> gets a unique Keras-style one ("dense", "dense_1").</summary>
    /// <param name="name">The layer's name.</param>
    /// <param name="inputShape">The shape of one sample (no batch dimension), when this is a model's first layer; null dimensions are unknown (<c>[null, 28]</c>: any number of steps).</param>
    protected Layer(string? name = null, PartialShape? inputShape = null)
    {
        Name = name ?? UniqueName(DefaultName);
        DeclaredInputShape = inputShape;
    }

    /// <summary>The layer's name, unique within a model; weights are named "<c>name/kernel</c>".</summary>
    public string Name { get; private set; }

    /// <summary>The name stem of this kind of layer ("dense" for Dense, "conv2d" for Conv2D).</summary>
    protected virtual string DefaultName => KerasNames.ToSnakeCase(GetType().Name);

    /// <summary>The Keras class name used in saved configurations ("Dense").</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>The per-sample input shape given to the constructor, if any (unknown dimensions are null).</summary>
    public virtual PartialShape? DeclaredInputShape { get; }

    /// <summary>The per-sample input shape the layer was built for (null until built); a dimension built unknown takes any size.</summary>
    public PartialShape? InputShape { get; private set; }

    /// <summary>Whether <see cref="Build"/> has run.</summary>
    public bool IsBuilt { get; private set; }

    /// <summary>
    /// Whether the optimizer updates this layer's weights. As in Keras, a change takes effect at the next
    /// <c>Compile</c>.
    /// </summary>
    public virtual bool Trainable
    {
        get => _trainable;
        set => _trainable = value;
    }

    /// <summary>An optional penalty on the layer's output, added to the training loss.</summary>
    public Regularizer? ActivityRegularizer { get; init; }

    /// <summary>All weights, in creation order.</summary>
    public virtual IReadOnlyList<Tensor> Weights => _weights;

    /// <summary>The weights the optimizer updates (none when the layer is not trainable).</summary>
    public virtual IReadOnlyList<Tensor> TrainableWeights =>
        Trainable ? _weights.Where(w => w.RequiresGrad).ToList() : [];

    /// <summary>The weights the optimizer leaves alone (moving statistics, frozen weights).</summary>
    public virtual IReadOnlyList<Tensor> NonTrainableWeights =>
        Trainable ? _weights.Where(w => !w.RequiresGrad).ToList() : _weights.ToList();

    /// <summary>
    /// Adds the weights that are trainable under <paramref name="flags"/> (each layer's <see cref="Trainable"/>
    /// as recorded at a model's Compile; a layer not recorded uses its flag now).
    /// </summary>
    internal virtual void CollectTrainableWeights(List<Tensor> into, IReadOnlyDictionary<Layer, bool> flags)
    {
        if (!(flags.TryGetValue(this, out bool trainable) ? trainable : Trainable)) return;
        var weights = Weights;
        for (int i = 0; i < weights.Count; i++)
            if (weights[i].RequiresGrad) into.Add(weights[i]);
    }

    /// <summary>Clears the <see cref="Tensor.Grad"/> of every weight (of nested layers too), as PyTorch's <c>module.zero_grad()</c>.</summary>
    public void ZeroGrad()
    {
        var weights = Weights;
        for (int i = 0; i < weights.Count; i++) weights[i].ZeroGrad();
    }

    /// <summary>The number of values in all weights.</summary>
    public long CountParams() => Weights.Sum(w => (long)w.Size);

    /// <summary>
    /// Creates the weights for inputs of <paramref name="inputShape"/> (per sample). Called once, before the
    /// first <see cref="Call(Tensor, bool)"/>; tensors created here outlive any <see cref="TensorScope"/>.
    /// </summary>
    protected virtual void Build(TensorShape inputShape)
    {
    }

    /// <summary>Computes the output for a batch <paramref name="inputs"/>; <paramref name="training"/> selects dropout etc.</summary>
    protected abstract Tensor Forward(Tensor inputs, bool training);

    /// <summary>
    /// Whether the layer gives back its input itself when not training (dropout, random augmentation): a model's
    /// inference plan leaves it out.
    /// </summary>
    internal virtual bool IsIdentityAtInference => false;

    /// <summary>
    /// The layer's output at inference for inputs of a shape it already took (an inference plan's step): its
    /// <see cref="Forward"/> without the checks and the activity penalty of <see cref="Call(Tensor, bool)"/>.
    /// </summary>
    internal Tensor Infer(Tensor inputs) => Forward(inputs, training: false);

    /// <summary>The per-sample output shape for a per-sample <paramref name="inputShape"/>; throws on an input the layer cannot take.</summary>
    public abstract TensorShape ComputeOutputShape(TensorShape inputShape);

    /// <summary>
    /// The per-sample output shape for an input shape that may have unknown dimensions (Keras'
    /// <c>compute_output_shape</c> with None): an output dimension is unknown when it depends on an unknown input
    /// dimension. Throws, naming the layer and the axis, when the layer needs a dimension that is unknown (a Dense
    /// layer its features, Flatten followed by Dense, Reshape).
    /// </summary>
    public virtual PartialShape ComputeOutputShape(PartialShape inputShape)
    {
        if (inputShape.TryGetTensorShape(out var known)) return ComputeOutputShape(known);
        RequireKnown(inputShape);
        // Weights never depend on an unknown dimension, so the output is found by trying two stand-in sizes: an
        // output dimension that changes with them depends on an unknown one. They are large enough for any window.
        TensorShape a, b;
        try
        {
            a = ComputeOutputShape(inputShape.WithUnknownAs(ProbeSize));
            b = ComputeOutputShape(inputShape.WithUnknownAs(2 * ProbeSize));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"{Label} cannot take input shape {FormatBatch(inputShape)} (its unknown dimensions tried as {ProbeSize}): {e.Message}", e);
        }
        var dims = new int?[a.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = a[i] == b[i] ? a[i] : null;
        return new PartialShape(dims);
    }

    /// <summary>The stand-in size of an unknown dimension when the output shape is worked out.</summary>
    private protected const int ProbeSize = 1 << 14;

    /// <summary>
    /// Whether the layer takes inputs whose dimension <paramref name="axis"/> (of a per-sample shape of
    /// <paramref name="rank"/>, no batch) is unknown, as Keras' None: true where neither the weights nor the
    /// meaning depend on that size (the steps of a recurrent layer, all but the features of Dense). None by
    /// default. A layer that says yes is built with 1 in place of an unknown dimension, and checked again on each
    /// batch against its actual shape.
    /// </summary>
    protected virtual bool AcceptsUnknownDimension(int axis, int rank) => false;

    /// <summary><see cref="AcceptsUnknownDimension"/>, for wrappers that ask the layer they wrap.</summary>
    internal bool TakesUnknownDimension(int axis, int rank) => AcceptsUnknownDimension(axis, rank);

    /// <summary>Refuses an unknown dimension the layer needs, naming the layer and the axis (batch axis 0).</summary>
    private protected void RequireKnown(PartialShape inputShape)
    {
        for (int axis = 0; axis < inputShape.Rank; axis++)
            if (!inputShape.IsKnown(axis) && !AcceptsUnknownDimension(axis, inputShape.Rank))
                throw new ArgumentException(
                    $"{Label} needs a known size on axis {axis + 1} of its input; got shape {FormatBatch(inputShape)}, where it is None. " +
                    "Give that dimension a size in the input shape (only layers whose weights and output do not depend on a size take None there).");
    }

    /// <summary>Builds the layer for a per-sample input shape if it is not built yet (checking the shape first).</summary>
    public void EnsureBuilt(TensorShape inputShape)
    {
        if (IsBuilt)
        {
            if (InputShape is not { } built) return;
            if (built.TryGetTensorShape(out var known))
            {
                if (!IsCompatibleInput(known, inputShape)) throw BuiltFor(built, inputShape);
            }
            else
            {
                if (!built.Accepts(inputShape)) throw BuiltFor(built, inputShape);
                ComputeOutputShape(inputShape); // the sizes the unknown dimensions take now must suit the layer too
            }
            return;
        }
        ComputeOutputShape(inputShape); // validates the input shape with the layer's own message
        using (TensorScope.Suspend())
        using (Autograd.NoGrad())
        {
            Build(inputShape);
        }
        InputShape = inputShape;
        IsBuilt = true;
    }

    /// <summary>
    /// Builds the layer for a per-sample input shape that may have unknown dimensions (a model's declared input,
    /// a symbolic tensor), if it is not built yet; refuses an unknown dimension the layer needs.
    /// </summary>
    public void EnsureBuilt(PartialShape inputShape)
    {
        if (inputShape.TryGetTensorShape(out var known))
        {
            EnsureBuilt(known);
            return;
        }
        if (IsBuilt)
        {
            if (InputShape is { } built && !CoversPartial(built, inputShape)) throw BuiltFor(built, inputShape);
            return;
        }
        ComputeOutputShape(inputShape);
        using (TensorScope.Suspend())
        using (Autograd.NoGrad())
        {
            BuildPartial(inputShape);
        }
        InputShape = inputShape;
        IsBuilt = true;
    }

    /// <summary>Whether a layer built for <paramref name="built"/> takes <paramref name="received"/>: every dimension it fixed is fixed alike.</summary>
    private static bool CoversPartial(PartialShape built, PartialShape received)
    {
        if (built.Rank != received.Rank) return false;
        for (int i = 0; i < built.Rank; i++)
            if (built[i] is { } size && received[i] != size) return false;
        return true;
    }

    private ArgumentException BuiltFor(PartialShape built, PartialShape received) =>
        new($"Layer '{Name}' ({ClassName}) was built for input shape {FormatBatch(built)} but received {FormatBatch(received)}.");

    /// <summary>
    /// Creates the weights for an input shape with unknown dimensions (checked by <see cref="RequireKnown"/> first):
    /// <see cref="Build"/> with 1 in their place, since the weights do not depend on them. Wrappers build their inner
    /// layers with the unknown dimensions kept.
    /// </summary>
    private protected virtual void BuildPartial(PartialShape inputShape) => Build(inputShape.WithUnknownAs(1));

    /// <summary>
    /// Runs the layer on a batch: builds it on first use from the input's shape, then computes the output.
    /// <paramref name="training"/> is true inside <c>Fit</c> (dropout active, batch statistics used).
    /// </summary>
    public Tensor Call(Tensor inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rank == 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) needs a batch of inputs; got a scalar.", nameof(inputs));
        EnsureBuilt(SampleShape(inputs.Shape));
        var output = Forward(inputs, training);
        _activityPenalty = ActivityRegularizer?.Compute(output);
        return output;
    }

    /// <summary>
    /// Calls the layer on a symbolic tensor while defining a functional model (Keras' <c>layer(x)</c> on a
    /// <c>KerasTensor</c>): builds the layer for <paramref name="input"/>'s shape, checks it can take it, and
    /// returns the symbolic output. Nothing is computed; <c>new Model(inputs, outputs)</c> collects the calls.
    /// A layer called twice shares its weights between both calls.
    /// </summary>
    public SymbolicTensor Call(SymbolicTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (this is Input)
            throw new InvalidOperationException($"Input '{Name}' is not called: it is the start of a graph. Use it (or its Output) as the input of the next layer.");
        PartialShape shape;
        try
        {
            shape = SymbolicOutputShape(input.Shape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"Layer '{Name}' ({ClassName}) cannot take the output of layer '{input.Layer.Name}' ({input.Layer.ClassName}), " +
                $"shape {FormatBatch(input.Shape)}: {e.Message}", nameof(input), e);
        }
        return GraphNode.Create(this, [input], [shape]).Outputs[0];
    }

    /// <summary>Builds the layer for a symbolic input and returns its output shape (models with several inputs refuse).</summary>
    internal virtual PartialShape SymbolicOutputShape(PartialShape inputShape)
    {
        EnsureBuilt(inputShape);
        return ComputeOutputShape(inputShape);
    }

    /// <summary>Marks a layer built without <see cref="Build"/> (merge layers, functional models built from their graph).</summary>
    internal void MarkBuilt(PartialShape? inputShape)
    {
        if (IsBuilt) return;
        InputShape = inputShape;
        IsBuilt = true;
    }

    /// <summary>
    /// Adds this layer's penalties to <paramref name="total"/>: its weight regularizers and, if set, the
    /// activity penalty of its last output. Nested models add their layers' penalties.
    /// </summary>
    internal virtual Tensor? AddRegularizationLosses(Tensor? total)
    {
        if (Trainable)
            foreach (var (weight, regularizer) in _regularized)
                total = total is null ? regularizer.Compute(weight) : total + regularizer.Compute(weight);
        if (_activityPenalty is { } penalty)
        {
            total = total is null ? penalty : total + penalty;
            _activityPenalty = null;
        }
        return total;
    }

    /// <summary>Whether this is a model: its Trainable flag reaches every layer in it (so loading leaves the layers' own flags alone).</summary>
    internal virtual bool IsModel => false;

    /// <summary>Whether this layer has any weight or activity regularizer.</summary>
    internal bool HasRegularization => _regularized.Count > 0 || ActivityRegularizer is not null;

    /// <summary>
    /// Creates a weight named "<c>layer/name</c>" with values from <paramref name="initializer"/>, then
    /// <paramref name="initialized"/> (an adjustment such as an LSTM's forget-gate bias of 1). Trainable weights
    /// require grad; others (moving statistics) are updated by the layer itself. While a saved model loads, the
    /// weight gets the stored values instead (neither the initializer nor the adjustment runs).
    /// </summary>
    /// <exception cref="ArgumentException">The shape holds more elements than a tensor can (the message names the layer and the weight).</exception>
    protected Tensor AddWeight(string name, TensorShape shape, Initializer initializer, Regularizer? regularizer = null, bool trainable = true,
        Action<Tensor>? initialized = null)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        long elements = shape.LongSize;
        if (elements > Tensor.MaxSize)
            throw new ArgumentException(
                $"{Label}: weight '{name}' of shape {shape} would hold {elements} values, more than a tensor can ({Tensor.MaxSize}); " +
                "a size argument of the layer is too large.");
        Tensor weight;
        if (WeightSource.Current is { } source) weight = source.Take($"{Name}/{name}", shape);
        else
        {
            weight = initializer.Create(shape);
            initialized?.Invoke(weight);
        }
        weight.Name = $"{Name}/{name}";
        weight.RequiresGrad = trainable;
        _weights.Add(weight);
        if (regularizer is not null) _regularized.Add((weight, regularizer));
        return weight;
    }

    /// <summary>
    /// A generator for what the layer draws while it runs (dropout masks, noise): seeded from <paramref name="seed"/>,
    /// or forked from <see cref="RandomGenerator.Default"/> when null. Its state belongs to the layer's training state
    /// (as a Keras 3 layer's SeedGenerator): a <see cref="TrainingCheckpoint"/> saves it, so that a resumed run draws
    /// the same masks as one never stopped.
    /// </summary>
    protected RandomGenerator AddRandomGenerator(long? seed)
    {
        var generator = seed is { } s ? new RandomGenerator(s) : RandomGenerator.Default.Fork();
        (_randomGenerators ??= []).Add(generator);
        return generator;
    }

    /// <summary>Adds the generators of this layer and of the layers inside it to <paramref name="into"/>, in a fixed order, each once.</summary>
    internal virtual void CollectRandomGenerators(List<RandomGenerator> into)
    {
        if (_randomGenerators is null) return;
        foreach (var generator in _randomGenerators)
            if (!into.Contains(generator)) into.Add(generator);
    }

    /// <summary>
    /// The arguments that recreate this layer (Keras' <c>get_config</c>): name and trainable here, the
    /// layer's own arguments in overrides.
    /// </summary>
    public virtual JsonObject GetConfig()
    {
        var config = new JsonObject { ["name"] = Name, ["trainable"] = Trainable };
        if (DeclaredInputShape is { } shape) config["input_shape"] = ShapeJson.Write(shape);
        return config;
    }

    /// <summary>Renames the layer (used when loading a saved model so names match the file).</summary>
    internal void SetName(string name)
    {
        Name = name;
        _label = null;
    }

    /// <summary>
    /// "Layer 'name' (Class)", the layer as the ops it calls name it in their messages; made once per name, so
    /// a training step allocates nothing for it.
    /// </summary>
    private protected string Label => _label ??= $"Layer '{Name}' ({ClassName})";

    /// <summary>A shape without its first (batch) dimension.</summary>
    internal static TensorShape SampleShape(TensorShape batchShape) => new(batchShape.Dims[1..]);

    /// <summary>Formats a per-sample shape with Keras' unknown batch dimension: (None, 28, 28).</summary>
    public static string FormatBatch(TensorShape sampleShape) => sampleShape.FormatBatch();

    /// <summary>Formats a per-sample shape with Keras' unknown batch dimension and None where a dimension is unknown: (None, None, 28).</summary>
    public static string FormatBatch(PartialShape sampleShape) => sampleShape.FormatBatch();

    /// <summary>
    /// Whether a built layer accepts inputs of <paramref name="received"/> shape; by default only the shape it
    /// was built for (recurrent layers accept any number of time steps).
    /// </summary>
    protected virtual bool IsCompatibleInput(TensorShape built, TensorShape received) => built == received;

    private static string UniqueName(string stem)
    {
        lock (NameCounts)
        {
            NameCounts.TryGetValue(stem, out int count);
            NameCounts[stem] = count + 1;
            return count == 0 ? stem : $"{stem}_{count}";
        }
    }

    /// <summary>The layer's name and class, for messages.</summary>
    public override string ToString() => $"{ClassName} '{Name}'";
}

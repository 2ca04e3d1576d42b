namespace DeepSharp;

/// <summary>
/// A layer that combines several inputs into one, as Keras' merge layers (<see cref="Add"/>,
/// <see cref="Concatenate"/>, ...): the joints of functional models that are not a single chain. Call it
/// with a list: <c>new Add().Call([a, b])</c>, on symbolic tensors while defining a model or on tensors.
/// </summary>
public abstract class MergeLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    protected MergeLayer(string? name) : base(name)
    {
    }

    /// <summary>The fewest inputs the layer takes (two by default).</summary>
    protected virtual int MinInputs => 2;

    /// <summary>The most inputs the layer takes (no limit by default).</summary>
    protected virtual int MaxInputs => int.MaxValue;

    /// <summary>Merges a list of batches (each (batch, ...)) into one.</summary>
    public Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        var array = Prepare(inputs);
        return Merge(array, training);
    }

    /// <summary>Merges symbolic tensors while defining a functional model.</summary>
    public SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs)
    {
        var (array, shape) = Prepare(inputs);
        return GraphNode.Create(this, array, [shape]).Outputs[0];
    }

    /// <summary>
    /// Checks a list of batches as <see cref="Call(IReadOnlyList{Tensor}, bool)"/> does (one batch size, shapes that fit)
    /// and builds the layer on the first call; returns the inputs as an array. For calls that take more than the list.
    /// </summary>
    protected Tensor[] Prepare(IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var shapes = new TensorShape[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"{ClassName} '{Name}': input {i} is null.");
            if (input.Rank == 0) throw new ArgumentException($"{ClassName} '{Name}': input {i} is a scalar; it needs a batch.", nameof(inputs));
            if (i > 0 && input.Shape[0] != inputs[0].Shape[0])
                throw new ArgumentException(
                    $"{ClassName} '{Name}': input {i} has {input.Shape[0]} samples (shape {input.Shape}) but input 0 has {inputs[0].Shape[0]} (shape {inputs[0].Shape}).",
                    nameof(inputs));
            shapes[i] = SampleShape(input.Shape);
        }
        CheckedOutputShape(shapes);
        BuildOnce(shapes);
        var array = new Tensor[inputs.Count];
        for (int i = 0; i < array.Length; i++) array[i] = inputs[i];
        return array;
    }

    /// <summary>The symbolic form of <see cref="Prepare(IReadOnlyList{Tensor})"/>: the inputs as an array and the per-sample output shape.</summary>
    protected (SymbolicTensor[] Inputs, PartialShape OutputShape) Prepare(IReadOnlyList<SymbolicTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var array = new SymbolicTensor[inputs.Count];
        var shapes = new PartialShape[inputs.Count];
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"{ClassName} '{Name}': input {i} is null.");
            shapes[i] = array[i].Shape;
            for (int axis = 0; axis < shapes[i].Rank; axis++)
                if (!shapes[i].IsKnown(axis) && !AcceptsUnknownDimension(axis, shapes[i].Rank))
                    throw new ArgumentException(
                        $"{Label} needs a known size on axis {axis + 1} of input {i}; got {DescribeShapes(shapes[..(i + 1)])}, where it is None. " +
                        "Give that dimension a size in the input shape.", nameof(inputs));
        }
        var shape = CheckedOutputShape(shapes);
        BuildOnce(shapes);
        return (array, shape);
    }

    /// <summary>
    /// Merges take inputs with unknown sizes (None) on any axis by default: those without weights have none that depend on
    /// one, and their output shapes are worked out with stand-in sizes. Layers whose weights depend on an axis say no there.
    /// </summary>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <summary>
    /// Records a call made with keyword arguments: <paramref name="inputs"/> holds the list, then the tensors passed by
    /// keyword in the order <paramref name="keywords"/> names them; one symbolic tensor per output shape comes back.
    /// </summary>
    internal SymbolicTensor[] Record(SymbolicTensor[] inputs, CallKeywords keywords, ReadOnlySpan<PartialShape> outputShapes) =>
        GraphNode.Create(this, inputs, outputShapes, keywords).Outputs;

    /// <summary>
    /// Calls the layer again as a saved call with keyword arguments was made (the list, the keyword tensors by name, the
    /// flags); the layers that take keywords override it, the others refuse.
    /// </summary>
    internal virtual SymbolicTensor[] CallRecorded(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyDictionary<string, SymbolicTensor> tensors, CallKeywords keywords) =>
        throw new FormatException($"{ClassName} '{Name}' takes no keyword arguments, but a saved call gives it {keywords.Describe()}.");

    /// <summary>Runs a call recorded with keyword arguments on checked tensors (the list, then the keyword tensors), one result per output.</summary>
    internal virtual void MergeRecorded(ReadOnlySpan<Tensor> inputs, CallKeywords keywords, bool training, Span<Tensor> outputs) =>
        throw new InvalidOperationException($"{ClassName} '{Name}' takes no keyword arguments.");

    /// <summary>
    /// Checks a batch for a call recorded with keyword arguments whose shapes were partly unknown when it was recorded: the
    /// list as <see cref="Call(IReadOnlyList{Tensor}, bool)"/> checks it; the layers that take keyword tensors check those too.
    /// </summary>
    internal virtual void CheckRecorded(Tensor[] inputs, CallKeywords keywords) => Prepare(inputs[..keywords.Positional]);

    /// <summary>The per-sample shapes of a call recorded with keyword arguments, one per output, for inputs (the list, then the keyword tensors) of known shapes.</summary>
    internal virtual TensorShape[] RecordedOutputShapes(TensorShape[] inputShapes, CallKeywords keywords) =>
        [ComputeOutputShape(inputShapes[..keywords.Positional])];

    /// <summary>
    /// Creates the weights for the inputs' per-sample shapes (checked by <see cref="ComputeOutputShape(IReadOnlyList{TensorShape})"/>
    /// first); called once, before the first merge. Merges without weights leave it empty; attention layers create theirs here.
    /// </summary>
    protected virtual void Build(IReadOnlyList<TensorShape> inputShapes)
    {
    }

    private void BuildOnce(PartialShape[] shapes)
    {
        if (IsBuilt) return;
        var known = new TensorShape[shapes.Length];
        for (int i = 0; i < shapes.Length; i++) known[i] = shapes[i].WithUnknownAs(1); // weights never depend on an unknown size
        using (TensorScope.Suspend())
        using (Autograd.NoGrad())
        {
            Build(known);
        }
        MarkBuilt(shapes[0]);
    }

    private void BuildOnce(TensorShape[] shapes)
    {
        if (IsBuilt) return;
        using (TensorScope.Suspend())
        using (Autograd.NoGrad())
        {
            Build(shapes);
        }
        MarkBuilt(shapes[0]);
    }

    /// <summary>Runs the merge on tensors already checked by a functional model (no allocation).</summary>
    internal Tensor MergeChecked(Tensor[] inputs, bool training) => Merge(inputs, training);

    /// <summary>The per-sample output shape for the inputs' per-sample shapes; throws, naming the layer, when they do not fit.</summary>
    public abstract TensorShape ComputeOutputShape(IReadOnlyList<TensorShape> inputShapes);

    /// <summary>The merge itself, on batches whose shapes were checked.</summary>
    protected abstract Tensor Merge(ReadOnlySpan<Tensor> inputs);

    /// <summary>The merge in training or inference; merges that act alike in both (all but attention's dropout) leave it to <see cref="Merge(ReadOnlySpan{Tensor})"/>.</summary>
    protected virtual Tensor Merge(ReadOnlySpan<Tensor> inputs, bool training) => Merge(inputs);

    /// <summary>A merge layer takes a list; given one shape it explains that.</summary>
    public sealed override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        throw new ArgumentException(
            $"{ClassName} '{Name}' merges a list of at least {MinInputs} inputs but was given one input of shape {FormatBatch(inputShape)}; " +
            "call it with a list: layer.Call([a, b]).");

    /// <inheritdoc/>
    protected sealed override Tensor Forward(Tensor inputs, bool training) => throw new ArgumentException(
        $"{ClassName} '{Name}' merges a list of inputs; call it with a list: layer.Call([a, b]).");

    /// <summary>The shape of each input, with the index in messages, for <see cref="ComputeOutputShape(IReadOnlyList{TensorShape})"/>.</summary>
    protected string DescribeShapes(IReadOnlyList<TensorShape> shapes) =>
        string.Join(", ", shapes.Select((s, i) => $"input {i}: {FormatBatch(s)}"));

    /// <summary>The shape of each input, unknown sizes as None, with the index in messages.</summary>
    private protected string DescribeShapes(IReadOnlyList<PartialShape> shapes) =>
        string.Join(", ", shapes.Select((s, i) => $"input {i}: {FormatBatch(s)}"));

    /// <summary>
    /// The per-sample output shape for inputs whose dimensions may be unknown (null): worked out with two stand-in
    /// sizes for them, an output dimension that changes with them being unknown (the sizes are checked again on every
    /// batch). Throws, naming the layer, when the inputs do not fit.
    /// </summary>
    public PartialShape ComputeOutputShape(IReadOnlyList<PartialShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        return CheckedOutputShape(inputShapes.ToArray());
    }

    private PartialShape CheckedOutputShape(PartialShape[] shapes)
    {
        var known = new TensorShape[shapes.Length];
        bool allKnown = true;
        for (int i = 0; i < shapes.Length; i++) allKnown &= shapes[i].TryGetTensorShape(out known[i]);
        if (allKnown) return CheckedOutputShape(known);
        TensorShape a, b;
        try
        {
            a = CheckedOutputShape(shapes.Select(s => s.WithUnknownAs(ProbeSize)).ToArray());
            b = CheckedOutputShape(shapes.Select(s => s.WithUnknownAs(2 * ProbeSize)).ToArray());
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"{ClassName} '{Name}' cannot take {DescribeShapes(shapes)} " +
                $"(unknown dimensions tried as {ProbeSize}): {e.Message}", e);
        }
        var dims = new int?[a.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = a[i] == b[i] ? a[i] : null;
        return new PartialShape(dims);
    }

    private TensorShape CheckedOutputShape(TensorShape[] shapes)
    {
        if (shapes.Length < MinInputs || shapes.Length > MaxInputs)
            throw new ArgumentException(
                $"{ClassName} '{Name}' takes {(MinInputs == MaxInputs ? $"exactly {MinInputs}" : MaxInputs == int.MaxValue ? $"at least {MinInputs}" : $"{MinInputs} to {MaxInputs}")} inputs; got {shapes.Length}.");
        return ComputeOutputShape(shapes);
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

public partial class Model
{
    private readonly FunctionalGraph? _graph;

    /// <summary>
    /// A functional model, as Keras' <c>keras.Model(inputs, outputs)</c>: the layers called between
    /// <paramref name="inputs"/> (from <c>new Input(shape)</c>) and <paramref name="outputs"/>. Its layers were
    /// built while they were called, so the model is built at once.
    /// </summary>
    /// <param name="inputs">The model's input (an <see cref="Input"/> or its <see cref="Input.Output"/>).</param>
    /// <param name="outputs">The symbolic tensor the model computes.</param>
    /// <param name="name">The model's name (default "model", "model_1", ...).</param>
    public Model(SymbolicTensor inputs, SymbolicTensor outputs, string? name = null) : this([inputs], [outputs], name)
    {
    }

    /// <summary>
    /// A functional model with several inputs and/or outputs. It is trained with a custom loop
    /// (<see cref="GradientTape"/>) or, with one input and one output, with <c>Fit</c>; <see cref="Call(IReadOnlyList{Tensor}, bool)"/>
    /// and <see cref="Predict(IReadOnlyList{Tensor}, int, int)"/> run it. A graph whose output needs an input not
    /// listed, or with a listed input that no output uses, is refused with a message naming the layer.
    /// </summary>
    /// <param name="inputs">The model's inputs, in the order batches are given.</param>
    /// <param name="outputs">The tensors the model computes, in the order they are returned.</param>
    /// <param name="name">The model's name.</param>
    public Model(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null) : base(name)
    {
        _graph = FunctionalGraph.Create(Name, inputs, outputs);
        MarkBuilt(_graph.Inputs[0].Shape);
    }

    /// <summary>The symbolic inputs of a functional model (empty for other models).</summary>
    public IReadOnlyList<SymbolicTensor> Inputs => _graph?.Inputs ?? [];

    /// <summary>The symbolic outputs of a functional model (empty for other models).</summary>
    public IReadOnlyList<SymbolicTensor> Outputs => _graph?.Outputs ?? [];

    /// <summary>The layer calls of a functional model in the order they run, its inputs' excluded (empty for other models).</summary>
    public IReadOnlyList<GraphNode> Nodes => _graph?.Nodes ?? [];

    /// <summary>Whether this model was defined from inputs and outputs (a functional model).</summary>
    public bool IsFunctional => _graph is not null;

    /// <inheritdoc/>
    public override string ClassName => _graph is not null ? "Functional" : base.ClassName;

    /// <inheritdoc/>
    public override PartialShape? DeclaredInputShape => _graph is { } graph ? graph.Inputs[0].Shape : base.DeclaredInputShape;

    /// <inheritdoc/>
    public override bool Trainable
    {
        get => base.Trainable;
        set
        {
            base.Trainable = value;
            foreach (var layer in Layers) layer.Trainable = value; // as Keras: a model's flag reaches every layer in it
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Weights => Distinct(base.Weights, Layers, static l => l.Weights);

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> TrainableWeights => Trainable ? Distinct(base.TrainableWeights, Layers, static l => l.TrainableWeights) : [];

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> NonTrainableWeights => Trainable ? Distinct(base.NonTrainableWeights, Layers, static l => l.NonTrainableWeights) : Weights;

    /// <summary>Weights of the model itself then of its layers, each once (a shared layer appears in several calls).</summary>
    private static List<Tensor> Distinct(IReadOnlyList<Tensor> own, IReadOnlyList<Layer> layers, Func<Layer, IReadOnlyList<Tensor>> select)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var result = new List<Tensor>();
        foreach (var weight in own)
            if (seen.Add(weight)) result.Add(weight);
        foreach (var layer in layers)
            foreach (var weight in select(layer))
                if (seen.Add(weight)) result.Add(weight);
        return result;
    }

    /// <inheritdoc/>
    internal override void CollectRandomGenerators(List<RandomGenerator> into)
    {
        base.CollectRandomGenerators(into);
        foreach (var layer in Layers) layer.CollectRandomGenerators(into);
    }

    /// <inheritdoc/>
    internal override Tensor? AddRegularizationLosses(Tensor? total)
    {
        total = base.AddRegularizationLosses(total);
        // Indexed: a foreach over the interface boxes its enumerator every training step.
        var layers = Layers;
        for (int i = 0; i < layers.Count; i++) total = layers[i].AddRegularizationLosses(total);
        return total;
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        var graph = RequireGraph("ComputeOutputShape");
        RequireSingleInputOutput("ComputeOutputShape");
        if (!graph.Inputs[0].Shape.Accepts(inputShape))
            throw new ArgumentException(
                $"Model '{Name}' takes input shape {FormatBatch(graph.Inputs[0].Shape)}; got {FormatBatch(inputShape)}.");
        // With unknown input dimensions the output's sizes depend on the input's: each layer's for these sizes.
        return graph.Outputs[0].Shape.TryGetTensorShape(out var output) ? output : graph.OutputShapes([inputShape])[0];
    }

    /// <summary>The per-sample shape of each output of a functional model for a batch per input (unknown dimensions take the batch's sizes).</summary>
    internal TensorShape[] FunctionalOutputShapes(IReadOnlyList<Tensor> inputs)
    {
        var graph = RequireGraph("FunctionalOutputShapes");
        var known = new TensorShape[graph.Outputs.Length];
        bool allKnown = true;
        for (int i = 0; i < known.Length; i++) allKnown &= graph.Outputs[i].Shape.TryGetTensorShape(out known[i]);
        return allKnown ? known : graph.OutputShapes(inputs.Select(x => SampleShape(x.Shape)).ToArray());
    }

    /// <inheritdoc/>
    public override PartialShape ComputeOutputShape(PartialShape inputShape)
    {
        if (_graph is null || inputShape.IsFullyKnown) return base.ComputeOutputShape(inputShape);
        RequireSingleInputOutput("ComputeOutputShape");
        if (inputShape != _graph.Inputs[0].Shape)
            throw new ArgumentException(
                $"Model '{Name}' takes input shape {FormatBatch(_graph.Inputs[0].Shape)}; got {FormatBatch(inputShape)}.");
        return _graph.Outputs[0].Shape;
    }

    /// <inheritdoc/>
    internal override PartialShape SymbolicOutputShape(PartialShape inputShape)
    {
        if (_graph is not null) RequireSingleInputOutput("Call");
        return base.SymbolicOutputShape(inputShape);
    }

    /// <summary>
    /// Builds a subclassed model (one that writes its own <see cref="Forward"/>) as Keras does: by running it
    /// once, without recording, on a batch of one sample of zeros, so that its layers create their weights.
    /// </summary>
    protected override void Build(TensorShape inputShape)
    {
        if (_graph is not null) return;
        using var noGrad = Autograd.NoGrad();
        var probe = Tensor.Zeros(new TensorShape([1, .. inputShape.Dims]));
        var output = Forward(probe, training: false);
        if (!ReferenceEquals(output, probe)) output.Dispose();
        probe.Dispose();
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var graph = RequireGraph("Call");
        RequireSingleInputOutput("Call");
        Tensor output = null!;
        graph.Run(new ReadOnlySpan<Tensor>(in inputs), training, new Span<Tensor>(ref output));
        return output;
    }

    /// <summary>
    /// Runs a functional model on one batch per input (same number of samples each); returns one batch per
    /// output, in the order of <see cref="Outputs"/>.
    /// </summary>
    public Tensor[] Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        var graph = RequireGraph("Call");
        CheckInputs(inputs, "Call");
        var array = new Tensor[inputs.Count];
        for (int i = 0; i < array.Length; i++) array[i] = inputs[i];
        var outputs = new Tensor[graph.Outputs.Length];
        graph.Run(array, training, outputs);
        return outputs;
    }

    /// <summary>Runs a functional model with one output on checked batches, without allocating (the training loop's path).</summary>
    internal Tensor RunSingleOutput(ReadOnlySpan<Tensor> inputs, bool training)
    {
        Tensor output = null!;
        _graph!.Run(inputs, training, new Span<Tensor>(ref output));
        return output;
    }

    /// <summary>
    /// Trains a functional model with several inputs and one output, as Keras' <c>fit([x1, x2], y)</c>: one
    /// tensor per input (same number of samples), batches drawn in the same order from each.
    /// </summary>
    /// <param name="x">One tensor per input, in the order of <see cref="Inputs"/>.</param>
    /// <param name="y">Targets: (samples, ...).</param>
    /// <param name="batchSize">Samples per gradient step.</param>
    /// <param name="epochs">The epoch to end at (with <paramref name="initialEpoch"/>).</param>
    /// <param name="verbose">0 silent, 1 progress bar, 2 one line per epoch.</param>
    /// <param name="callbacks">Called during training.</param>
    /// <param name="shuffle">Shuffle the samples each epoch.</param>
    /// <param name="initialEpoch">The epoch to start at.</param>
    /// <param name="seed">Seed for shuffling.</param>
    public History Fit(IReadOnlyList<Tensor> x, Tensor y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IReadOnlyList<Callback>? callbacks = null, bool shuffle = true, int initialEpoch = 0, long? seed = null) =>
        Trainer.Fit(x, y, batchSize, epochs, verbose, callbacks, validationSplit: 0, validationData: null, shuffle, initialEpoch, seed, several: true);

    /// <summary>The loss and metrics of a functional model with several inputs over a whole dataset.</summary>
    public EvaluationResult Evaluate(IReadOnlyList<Tensor> x, Tensor y, int batchSize = 32, int verbose = 1) =>
        Trainer.Evaluate(x, y, batchSize, verbose, "Evaluate", several: true);

    /// <summary>One optimization step of a functional model with several inputs on a batch of each.</summary>
    public IReadOnlyDictionary<string, double> TrainOnBatch(IReadOnlyList<Tensor> x, Tensor y) => OnBatchInputs(x, y, train: true);

    /// <summary>The loss and metrics of a batch of each input, without training.</summary>
    public IReadOnlyDictionary<string, double> TestOnBatch(IReadOnlyList<Tensor> x, Tensor y) => OnBatchInputs(x, y, train: false);

    private IReadOnlyDictionary<string, double> OnBatchInputs(IReadOnlyList<Tensor> x, Tensor y, bool train)
    {
        var trainer = Trainer;
        return trainer.Logs(_batchLogs, trainer.Step(x, y, train, several: true), prefix: "");
    }

    /// <summary>The outputs of a functional model for whole datasets (one per input), computed in batches, as Keras' <c>predict</c>.</summary>
    /// <param name="x">One tensor per input: (samples, ...).</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="verbose">1 a progress bar (as Keras' default), 2 one line at the end, 0 nothing.</param>
    public Tensor[] Predict(IReadOnlyList<Tensor> x, int batchSize = 32, int verbose = 1)
    {
        var graph = RequireGraph("Predict");
        CheckInputs(x, "Predict");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Predict: batchSize must be a positive integer.");
        Trainer.CheckVerbose(verbose, "Predict");
        int samples = x[0].Shape[0];
        var results = new Tensor[graph.Outputs.Length];
        var batchInputs = new Tensor[x.Count];
        var batchOutputs = new Tensor[results.Length];
        var bar = verbose > 0 ? new ProgressBar((samples + batchSize - 1) / batchSize, verbose) : null;
        using (Autograd.NoGrad())
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                int end = Math.Min(samples, start + batchSize);
                using (TensorScope.Begin())
                {
                    for (int i = 0; i < batchInputs.Length; i++) batchInputs[i] = Ops.Slice(x[i], 0, start, end);
                    graph.Run(batchInputs, training: false, batchOutputs);
                    for (int o = 0; o < results.Length; o++)
                    {
                        if (results[o] is null)
                            using (TensorScope.Suspend()) results[o] = Tensor.Zeros(batchOutputs[o].Shape.With(0, samples));
                        Ops.CopyRowsInto(batchOutputs[o], results[o], start);
                    }
                }
                bar?.Update(start / batchSize + 1, Trainer.NoValues);
            }
        }
        bar?.Finish(Trainer.NoValues);
        return results;
    }

    /// <summary>Refuses the single-tensor API on a functional model with several inputs or outputs.</summary>
    internal void RequireSingleInputOutput(string caller)
    {
        if (_graph is { } graph && (graph.Inputs.Length != 1 || graph.Outputs.Length != 1))
            throw new InvalidOperationException(
                $"{caller}: model '{Name}' has {graph.Inputs.Length} input(s) and {graph.Outputs.Length} output(s); this call takes one tensor for one " +
                "input and gives one output. Use Call(IReadOnlyList<Tensor>) or Predict(IReadOnlyList<Tensor>), and train it with a GradientTape loop.");
    }

    private FunctionalGraph RequireGraph(string caller) => _graph ?? throw new InvalidOperationException(
        $"{caller}: model '{Name}' has no graph. Create a functional model with new Model(inputs, outputs), or subclass Model and override " +
        "Forward, ComputeOutputShape and Layers.");

    internal void CheckInputs(IReadOnlyList<Tensor> inputs, string caller)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var expected = _graph!.Inputs;
        if (inputs.Count != expected.Length)
            throw new ArgumentException($"{caller}: model '{Name}' has {expected.Length} input(s) ({string.Join(", ", expected.Select(e => e.Layer.Name))}); got {inputs.Count} tensors.", nameof(inputs));
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"{caller}: input {i} of model '{Name}' is null.");
            input.ThrowIfDisposed();
            if (input.Rank == 0 || !expected[i].Shape.Accepts(SampleShape(input.Shape)))
                throw new ArgumentException(
                    $"{caller}: input {i} ('{expected[i].Layer.Name}') of model '{Name}' expects batches of {FormatBatch(expected[i].Shape)}; got shape {input.Shape}.", nameof(inputs));
            if (input.Shape[0] != inputs[0].Shape[0])
                throw new ArgumentException(
                    $"{caller}: input {i} of model '{Name}' has {input.Shape[0]} samples but input 0 has {inputs[0].Shape[0]}; they must match.", nameof(inputs));
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        if (_graph is not { } graph) return base.GetConfig();
        var config = new JsonObject { ["name"] = Name, ["trainable"] = Trainable };
        graph.WriteConfig(config);
        return config;
    }

    /// <summary>Recreates a functional model from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Model FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var r = LayerConfigReader.ForLayer(config, "Functional");
        var name = r.Required<string>("name");
        var (inputs, outputs) = FunctionalGraph.ReadConfig(r, name);
        return r.Finish(new Model(inputs, outputs, name));
    }
}

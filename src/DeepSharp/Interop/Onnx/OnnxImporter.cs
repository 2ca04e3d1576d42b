using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// What the importer learns about a checked <see cref="OnnxGraph"/> before it builds layers: every value's
/// element type; that every node has a converter (or the full list of those that do not); the values that are
/// constants (initializers, Constant nodes and everything computed from constants alone, folded here); the
/// values known to be zeros (PyTorch's spelled-out initial states); and, from two probe runs at batch sizes 2
/// and 3, every value's shape and whether its first axis is the batch.
/// </summary>
internal sealed class OnnxImporter
{
    /// <summary>The largest tensor (in elements) a file's numbers may make the importer allocate while folding and probing.</summary>
    private const int ProbeLimit = 1 << 26;

    private OnnxImporter(OnnxGraph graph)
    {
        Graph = graph;
        foreach (var (name, constant) in graph.Initializers)
        {
            Constants[name] = constant;
            Types[name] = constant.Type;
            if (OnnxDataTypes.IsFloat(constant.Type)) Parameters.Add(name);
        }
        foreach (var input in graph.Inputs) Types[input.Name] = input.Type;
        foreach (var node in graph.Nodes)
            for (int i = 0; i < node.Inputs.Length; i++)
                if (node.Inputs[i] != "")
                {
                    if (!Consumers.TryGetValue(node.Inputs[i], out var list)) Consumers[node.Inputs[i]] = list = [];
                    list.Add((node, i));
                }
        foreach (var output in graph.Outputs) GraphOutputs.Add(output.Name);
    }

    public OnnxGraph Graph { get; }

    /// <summary>The element type of every value.</summary>
    public Dictionary<string, DataType> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>The constant values: initializers and folded results.</summary>
    public Dictionary<string, OnnxConstant> Constants { get; } = new(StringComparer.Ordinal);

    /// <summary>The float initializers: the graph's parameters, trainable where a node uses them as weights.</summary>
    public HashSet<string> Parameters { get; } = new(StringComparer.Ordinal);

    /// <summary>Values that are not constants but are zeros whatever the input (ConstantOfShape of 0, and what merely reshapes it).</summary>
    public HashSet<string> Zeros { get; } = new(StringComparer.Ordinal);

    /// <summary>Which node inputs read each value.</summary>
    public Dictionary<string, List<(OnnxGraphNode Node, int Slot)>> Consumers { get; } = new(StringComparer.Ordinal);

    /// <summary>The names of the graph's outputs.</summary>
    public HashSet<string> GraphOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>The shape of every non-constant value at the two probe batch sizes (after <see cref="Probe"/>).</summary>
    public Dictionary<string, (int[] First, int[] Second)>? Shapes { get; private set; }

    /// <summary>The probe batch sizes.</summary>
    public (int First, int Second) Batches { get; private set; }

    /// <summary>The nodes still to run after folding, in order.</summary>
    public List<OnnxGraphNode> Remaining { get; } = [];

    /// <summary>The element types of each node's inputs (Undefined for absent ones) and outputs.</summary>
    public Dictionary<OnnxGraphNode, (DataType[] Inputs, DataType[] Outputs)> NodeTypes { get; } = new(ReferenceEqualityComparer.Instance);

    private readonly Dictionary<OnnxGraphNode, OnnxKernel> _kernels = new(ReferenceEqualityComparer.Instance);

    /// <summary>Imports <paramref name="graph"/> as a functional model.</summary>
    public static Model ImportModel(OnnxGraph graph, OnnxImportOptions options)
    {
        var importer = Analyze(graph);
        importer.Probe(options.InputShapes);
        var plan = Wrap(graph, null, () => new OnnxPlanBuilder(importer, options.ChannelsLast && importer.HasImages(), options.RecognizeLayers).Build());
        return Wrap(graph, null, () => plan.BuildModel(ModelName(graph.Source)));
    }

    /// <summary>
    /// The graph as layers in ONNX's own layout and without recognizing layers or probing shapes, to be run on
    /// inputs of any shape (ONNX's node tests).
    /// </summary>
    public static OnnxPlan PlanAsGiven(OnnxGraph graph)
    {
        var importer = Analyze(graph);
        return Wrap(graph, null, () => new OnnxPlanBuilder(importer, channelsLast: false, recognize: false).Build());
    }

    private static OnnxImporter Analyze(OnnxGraph graph)
    {
        var importer = new OnnxImporter(graph);
        importer.Resolve();
        importer.Fold();
        return importer;
    }

    /// <summary>Finds every node's converter and checks its attributes; refuses the graph listing every node that has none.</summary>
    private void Resolve()
    {
        var unsupported = new List<OnnxUnsupportedNode>();
        foreach (var node in Graph.Nodes)
        {
            try
            {
                if (Resolve(node) is { } reason) unsupported.Add(reason);
            }
            catch (NotSupportedException e)
            {
                unsupported.Add(new OnnxUnsupportedNode(node.QualifiedOpType, node.Name, e.Message));
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"'{Graph.Source}': node '{node.Name}' ({node.OpType}): {e.Message}", e);
            }
        }
        if (unsupported.Count > 0)
        {
            var error = new OnnxUnsupportedException(unsupported);
            throw new InvalidDataException($"'{Graph.Source}': {error.Message}", error);
        }
    }

    /// <summary>Types <paramref name="node"/>'s outputs and makes its kernel; returns why it cannot be imported, or null.</summary>
    private OnnxUnsupportedNode? Resolve(OnnxGraphNode node)
    {
        var inputTypes = node.Inputs.Select(i => i == "" ? DataType.Undefined : Types.GetValueOrDefault(i, DataType.Float)).ToArray();
        var outputTypes = OnnxTypeInference.Infer(node, inputTypes, Graph.DeclaredTypes);
        for (int i = 0; i < node.Outputs.Length; i++)
            if (node.Outputs[i] != "") Types[node.Outputs[i]] = outputTypes[i];
        NodeTypes[node] = (inputTypes, outputTypes);
        if (node.Domain is not ("" or "ai.onnx"))
            return new OnnxUnsupportedNode(node.QualifiedOpType, node.Name, $"operators of domain '{node.Domain}' are not supported (only ONNX's own)");
        var converter = OnnxOperators.Find(node.OpType, Graph.Opset);
        if (converter is null)
            return new OnnxUnsupportedNode(node.OpType, node.Name, OnnxOperators.Knows(node.OpType)
                ? $"no converter for opset {Graph.Opset}" : "DeepSharp has no converter for this operator");
        var badType = inputTypes.Concat(outputTypes).FirstOrDefault(t => t != DataType.Undefined && !OnnxDataTypes.IsSupported(t));
        if (badType != DataType.Undefined)
            return new OnnxUnsupportedNode(node.OpType, node.Name, $"it works on {OnnxDataTypes.Name(badType)} tensors, which DeepSharp does not hold");
        _kernels[node] = converter(Context(node, channelsLast: false));
        return null;
    }

    /// <summary>The converter context of <paramref name="node"/>.</summary>
    public OnnxNodeContext Context(OnnxGraphNode node, bool channelsLast) => new()
    {
        Name = node.Name, OpType = node.OpType, Opset = Graph.Opset, Attributes = node.Attributes, ChannelsLast = channelsLast,
        InputTypes = NodeTypes[node].Inputs, OutputTypes = NodeTypes[node].Outputs,
    };

    private static readonly HashSet<string> ZeroPreserving = new(StringComparer.Ordinal)
    {
        "Identity", "Reshape", "Squeeze", "Unsqueeze", "Flatten", "Transpose", "Slice", "Gather", "Expand", "Tile", "Cast", "Split",
    };

    private static readonly HashSet<string> Random = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial", "Dropout",
    };

    /// <summary>Computes every node whose inputs are all constants, once, here; notes the values that are zeros whatever the input.</summary>
    private void Fold()
    {
        using var limit = OnnxValues.LimitSizes(ProbeLimit);
        foreach (var node in Graph.Nodes)
        {
            bool constant = !Random.Contains(node.OpType) && node.Inputs.All(i => i == "" || Constants.ContainsKey(i));
            if (!constant)
            {
                Remaining.Add(node);
                if ((node.OpType == "ConstantOfShape" && (node.Attributes.Tensor("value")?.IsAllZero ?? true))
                    || ZeroPreserving.Contains(node.OpType) && node.Inputs.Length > 0 && IsZero(node.Inputs[0])
                    || node.OpType == "Concat" && node.Inputs.All(i => i == "" || IsZero(i)))
                    foreach (var output in node.Outputs) Zeros.Add(output);
                continue;
            }
            var outputs = Wrap(Graph, node, () =>
            {
                using var scope = TensorScope.Begin();
                using var noGrad = Autograd.NoGrad();
                var arguments = node.Inputs.Select(i => i == "" ? null : Constants[i].ToTensor()).ToArray();
                return Run(node, arguments).Select((t, i) => OnnxConstant.From(t, NodeTypes[node].Outputs[Math.Min(i, NodeTypes[node].Outputs.Length - 1)])).ToArray();
            });
            for (int i = 0; i < node.Outputs.Length && i < outputs.Length; i++)
                if (node.Outputs[i] != "") Constants[node.Outputs[i]] = outputs[i];
        }
    }

    private bool IsZero(string value) => Zeros.Contains(value) || Constants.TryGetValue(value, out var c) && c.IsAllZero;

    /// <summary>A node's kernel on <paramref name="arguments"/>, integer outputs made whole.</summary>
    private Tensor[] Run(OnnxGraphNode node, Tensor?[] arguments)
    {
        var outputs = _kernels[node](arguments);
        var types = NodeTypes[node].Outputs;
        for (int i = 0; i < outputs.Length && i < types.Length; i++)
            if (OnnxDataTypes.IsInteger(types[i])) outputs[i] = OnnxValues.CastTo(outputs[i], types[i]);
        return outputs;
    }

    /// <summary>
    /// Runs the graph twice on zeros, with batches of 2 and 3, to learn every value's shape (and so which have
    /// the batch first). Inputs' other named dimensions come from <paramref name="inputShapes"/>.
    /// </summary>
    private void Probe(IReadOnlyDictionary<string, int[]>? inputShapes)
    {
        if (Graph.Inputs.Count == 0) throw new InvalidDataException($"'{Graph.Source}': the graph has no inputs; a model needs at least one.");
        var first = ProbeShapes(2, inputShapes);
        var second = ProbeShapes(3, inputShapes);
        Batches = (first.Batch, second.Batch);
        Shapes = new(StringComparer.Ordinal);
        foreach (var (name, shape) in first.Shapes) Shapes[name] = (shape, second.Shapes[name]);
    }

    private (int Batch, Dictionary<string, int[]> Shapes) ProbeShapes(int batch, IReadOnlyDictionary<string, int[]>? inputShapes)
    {
        using var limit = OnnxValues.LimitSizes(ProbeLimit);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        int used = batch;
        foreach (var input in Graph.Inputs)
        {
            var shape = InputShape(input, batch, inputShapes);
            if (input == Graph.Inputs[0]) used = shape.Length > 0 ? shape[0] : batch;
            values[input.Name] = Tensor.Zeros(shape);
            shapes[input.Name] = shape;
        }
        var constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var node in Remaining)
        {
            var outputs = Wrap(Graph, node, () =>
            {
                var arguments = node.Inputs.Select(i => i == "" ? null
                    : values.TryGetValue(i, out var v) ? v
                    : constants.TryGetValue(i, out var c) ? c
                    : constants[i] = Constants[i].ToTensor()).ToArray();
                return Run(node, arguments);
            });
            for (int i = 0; i < node.Outputs.Length && i < outputs.Length; i++)
                if (node.Outputs[i] != "")
                {
                    values[node.Outputs[i]] = outputs[i];
                    shapes[node.Outputs[i]] = outputs[i].Shape.ToArray();
                }
        }
        return (used, shapes);
    }

    private int[] InputShape(OnnxValueInfo input, int batch, IReadOnlyDictionary<string, int[]>? given)
    {
        if (given is not null && given.TryGetValue(input.Name, out var sample))
            return [input.Dims is { Length: > 0 } d && d[0].Size is { } fixedBatch ? fixedBatch : batch, .. sample];
        if (input.Dims is null)
            throw new InvalidDataException($"'{Graph.Source}': input '{input.Name}' has no declared shape; give its per-sample shape in OnnxImportOptions.InputShapes.");
        if (input.Dims.Length == 0)
            throw new InvalidDataException($"'{Graph.Source}': input '{input.Name}' is a scalar; a DeepSharp model's inputs are batches (their first axis is the batch).");
        var shape = new int[input.Dims.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            var dim = input.Dims[i];
            shape[i] = dim.Size ?? (i == 0 ? batch
                : throw new InvalidDataException($"'{Graph.Source}': dimension {i} of input '{input.Name}' is '{dim}', not a number; " +
                    "give the input's per-sample shape in OnnxImportOptions.InputShapes."));
        }
        return shape;
    }

    /// <summary>Whether the graph holds image convolutions or poolings (4-D), so that channels-last applies.</summary>
    public bool HasImages() => Shapes is { } shapes && Remaining.Any(n =>
        n.OpType is "Conv" or "ConvTranspose" or "MaxPool" or "AveragePool" or "GlobalAveragePool" or "GlobalMaxPool"
        && n.Inputs.Length > 0 && shapes.TryGetValue(n.Inputs[0], out var s) && s.First.Length == 4);

    /// <summary>Whether the value's first axis is the batch (it follows the probe batch size, the rest does not change).</summary>
    public bool IsBatchMajor(int[] first, int[] second) =>
        first.Length >= 1 && first.Length == second.Length && first[0] == Batches.First && second[0] == Batches.Second
        && first.AsSpan(1).SequenceEqual(second.AsSpan(1));

    /// <summary>Runs <paramref name="action"/>, turning what a malformed graph makes the kernels throw into an <see cref="InvalidDataException"/> naming the node.</summary>
    public static T Wrap<T>(OnnxGraph graph, OnnxGraphNode? node, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or FormatException
            or IndexOutOfRangeException or OverflowException or KeyNotFoundException or InvalidCastException)
        {
            string where = node is null ? "" : $"node '{node.Name}' ({node.OpType}): ";
            throw new InvalidDataException($"'{graph.Source}': {where}{e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith($"'{graph.Source}'", StringComparison.Ordinal))
        {
            string where = node is null ? "" : $"node '{node.Name}' ({node.OpType}): ";
            throw new InvalidDataException($"'{graph.Source}': {where}{e.Message}", e);
        }
    }

    private static string ModelName(string source)
    {
        var stem = Path.GetFileNameWithoutExtension(source);
        var name = new string(stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());
        return name.Length == 0 ? "onnx_model" : name;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The calls between a functional model's inputs and outputs, checked once and laid out as a plan: every
/// symbolic tensor gets a slot, every call reads and writes slots in dependency order. Running the plan
/// reuses its slot and argument arrays, so a training step through it allocates nothing.
/// </summary>
internal sealed class FunctionalGraph
{
    private readonly Step[] _steps;
    private readonly int[] _outputSlots;
    private readonly Tensor?[] _values;

    /// <summary>
    /// One call: the node, where its inputs are, where its outputs go, a reusable argument array for merges, for a call
    /// with keyword arguments a reusable array for its outputs, whether a merge must check its inputs' shapes (some
    /// were unknown when the graph was defined), and whether it is an <see cref="Add"/> of two inputs whose sum the next
    /// call normalizes with a <see cref="LayerNormalization"/> (the two may run as one op) and then which of its two inputs
    /// no other call reads and the model does not return (the sum may take its buffer; -1: neither).
    /// </summary>
    private readonly record struct Step(GraphNode Node, int[] InputSlots, int[] OutputSlots, Tensor[]? Arguments, Tensor[]? Results, bool CheckShapes,
        bool NormalizedNext = false, int WritableOperand = -1);

    private FunctionalGraph(SymbolicTensor[] inputs, SymbolicTensor[] outputs, List<GraphNode> order, List<Layer> layers, Dictionary<SymbolicTensor, int> slots)
    {
        Inputs = inputs;
        Outputs = outputs;
        Nodes = order;
        Layers = layers;
        _steps = new Step[order.Count];
        for (int i = 0; i < order.Count; i++)
        {
            var node = order[i];
            var inputSlots = new int[node.Inputs.Length];
            for (int j = 0; j < inputSlots.Length; j++) inputSlots[j] = slots[node.Inputs[j]];
            var outputSlots = node.Outputs.Select(o => slots[o]).ToArray();
            _steps[i] = new Step(node, inputSlots, outputSlots, node.Layer is MergeLayer ? new Tensor[inputSlots.Length] : null,
                node.Keywords is null ? null : new Tensor[outputSlots.Length], node.Inputs.Any(t => !t.Shape.IsFullyKnown));
        }
        _outputSlots = outputs.Select(o => slots[o]).ToArray();
        var readers = new int[slots.Count];
        foreach (var step in _steps)
            foreach (int slot in step.InputSlots) readers[slot]++;
        foreach (int slot in _outputSlots) readers[slot]++;
        for (int i = 0; i + 1 < _steps.Length; i++)
        {
            ref var step = ref _steps[i];
            var next = _steps[i + 1];
            if (step.Node.Layer is Add && step.InputSlots.Length == 2 && step.Results is null && !step.CheckShapes
                && next.Node.Layer is LayerNormalization && next.Arguments is null && next.Results is null && next.InputSlots[0] == step.OutputSlots[0])
            {
                // The branch (second) first: in x + f(x), x is read again by the next residual add.
                int writable = -1;
                for (int j = 1; j >= 0 && writable < 0; j--)
                    if (step.InputSlots[j] >= inputs.Length && readers[step.InputSlots[j]] == 1) writable = j;
                step = step with { NormalizedNext = true, WritableOperand = writable };
            }
        }
        _values = new Tensor?[slots.Count];
    }

    internal SymbolicTensor[] Inputs { get; }

    internal SymbolicTensor[] Outputs { get; }

    /// <summary>The calls in the order they run (inputs excluded).</summary>
    internal IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>Each layer once: the inputs first, then in the order of their first call.</summary>
    internal IReadOnlyList<Layer> Layers { get; }

    /// <summary>
    /// Collects the calls that lead from <paramref name="inputs"/> to <paramref name="outputs"/>, refusing a
    /// graph in which an output needs a tensor that no given input provides, or an input that no output uses.
    /// </summary>
    internal static FunctionalGraph Create(string modelName, IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count == 0) throw new ArgumentException($"Model '{modelName}': a functional model needs at least one input.", nameof(inputs));
        if (outputs.Count == 0) throw new ArgumentException($"Model '{modelName}': a functional model needs at least one output.", nameof(outputs));
        var inputArray = new SymbolicTensor[inputs.Count];
        var slots = new Dictionary<SymbolicTensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"Model '{modelName}': input {i} is null.");
            if (input.Layer is not Input)
                throw new ArgumentException(
                    $"Model '{modelName}': input {i} is the output of layer '{input.Layer.Name}' ({input.Layer.ClassName}), not an Input; " +
                    "a model's inputs are made with new Input(shape).", nameof(inputs));
            if (!slots.TryAdd(input, i))
                throw new ArgumentException($"Model '{modelName}': input '{input.Layer.Name}' is listed twice.", nameof(inputs));
            inputArray[i] = input;
        }

        // Depth-first from the outputs back to the inputs; a node is placed after all the nodes it reads from.
        var order = new List<GraphNode>();
        var placed = new HashSet<GraphNode>(ReferenceEqualityComparer.Instance);
        var used = new HashSet<SymbolicTensor>(ReferenceEqualityComparer.Instance);
        var outputArray = new SymbolicTensor[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i] ?? throw new ArgumentNullException(nameof(outputs), $"Model '{modelName}': output {i} is null.");
            outputArray[i] = output;
            Visit(output, consumer: null, modelName, slots, used, placed, order);
        }
        foreach (var input in inputArray)
            if (!used.Contains(input))
                throw new ArgumentException(
                    $"Model '{modelName}': input '{input.Layer.Name}' {Layer.FormatBatch(input.Shape)} is not connected to any output " +
                    "(the graph is disconnected). Use it in the layers that lead to the outputs, or leave it out of the inputs.", nameof(inputs));

        foreach (var node in order)
            foreach (var output in node.Outputs) slots.Add(output, slots.Count);
        var layers = new List<Layer>();
        var seen = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        var names = new Dictionary<string, Layer>(StringComparer.Ordinal);
        foreach (var layer in inputArray.Select(i => i.Layer).Concat(order.Select(n => n.Layer)))
        {
            if (!seen.Add(layer)) continue;
            if (names.TryGetValue(layer.Name, out var other))
                throw new ArgumentException(
                    $"Model '{modelName}': two different layers are named '{layer.Name}' ({other.ClassName} and {layer.ClassName}); layer names must be unique in a model.");
            names.Add(layer.Name, layer);
            layers.Add(layer);
        }
        return new FunctionalGraph(inputArray, outputArray, order, layers, slots);
    }

    private static void Visit(SymbolicTensor tensor, Layer? consumer, string modelName, Dictionary<SymbolicTensor, int> inputSlots,
        HashSet<SymbolicTensor> used, HashSet<GraphNode> placed, List<GraphNode> order)
    {
        if (inputSlots.ContainsKey(tensor))
        {
            used.Add(tensor);
            return;
        }
        var node = tensor.Node;
        if (placed.Contains(node)) return;
        if (node.Layer is Input missing)
        {
            var given = string.Join(", ", inputSlots.Keys.Select(k => $"'{k.Layer.Name}'"));
            throw new ArgumentException(
                $"Model '{modelName}': the graph is disconnected: {(consumer is null ? "an output" : $"layer '{consumer.Name}' ({consumer.ClassName})")} " +
                $"needs input '{missing.Name}' {Layer.FormatBatch(missing.Shape)}, which is not among the model's inputs ({given}). " +
                "Add it to the inputs, or build the outputs from the given inputs.");
        }
        // Iterative over the inputs of this node, recursive in depth: graphs are as deep as their layer count.
        foreach (var input in node.Inputs) Visit(input, node.Layer, modelName, inputSlots, used, placed, order);
        placed.Add(node);
        order.Add(node);
    }

    /// <summary>The per-sample shape of each output for inputs of <paramref name="inputs"/> shapes (which the inputs accept).</summary>
    internal TensorShape[] OutputShapes(ReadOnlySpan<TensorShape> inputs)
    {
        var shapes = new TensorShape[_values.Length];
        for (int i = 0; i < inputs.Length; i++) shapes[i] = inputs[i];
        foreach (var step in _steps)
        {
            var layer = step.Node.Layer;
            if (layer is not MergeLayer merge)
            {
                shapes[step.OutputSlots[0]] = layer.ComputeOutputShape(shapes[step.InputSlots[0]]);
                continue;
            }
            var inputShapes = step.InputSlots.Select(s => shapes[s]).ToArray();
            // A call with keywords may have several outputs (attention's scores beside its output).
            var outputShapes = step.Node.Keywords is { } keywords ? merge.RecordedOutputShapes(inputShapes, keywords) : [merge.ComputeOutputShape(inputShapes)];
            for (int j = 0; j < outputShapes.Length; j++) shapes[step.OutputSlots[j]] = outputShapes[j];
        }
        return _outputSlots.Select(s => shapes[s]).ToArray();
    }

    /// <summary>Runs the graph on one batch per input; writes one batch per output into <paramref name="outputs"/>.</summary>
    internal void Run(ReadOnlySpan<Tensor> inputs, bool training, Span<Tensor> outputs)
    {
        var values = _values;
        try
        {
            for (int i = 0; i < inputs.Length; i++) values[i] = inputs[i];
            var steps = _steps;
            for (int s = 0; s < steps.Length; s++)
            {
                ref readonly var step = ref steps[s];
                var layer = step.Node.Layer;
                Tensor result;
                if (step.Results is { } results)
                {
                    // A call with keyword arguments (attention masks, flags), perhaps with several outputs.
                    var arguments = step.Arguments!;
                    for (int j = 0; j < arguments.Length; j++) arguments[j] = values[step.InputSlots[j]]!;
                    var merge = (MergeLayer)layer;
                    if (step.CheckShapes) merge.CheckRecorded(arguments, step.Node.Keywords!);
                    merge.MergeRecorded(arguments, step.Node.Keywords!, training, results);
                    for (int j = 0; j < results.Length; j++) values[step.OutputSlots[j]] = results[j];
                    Array.Clear(arguments);
                    Array.Clear(results);
                    continue;
                }
                if (step.NormalizedNext)
                {
                    // A residual add and the layer normalization of its sum, as one op when they fuse.
                    ref readonly var next = ref steps[s + 1];
                    var norm = (LayerNormalization)next.Node.Layer;
                    // A layer may return a tensor it was given (an identity): then another slot holds it, which may be read later.
                    int writable = step.WritableOperand >= 0 && HeldOnce(values, values[step.InputSlots[step.WritableOperand]]!) ? step.WritableOperand : -1;
                    if (norm.CallResidual((Add)layer, values[step.InputSlots[0]]!, values[step.InputSlots[1]]!, writable, out var sum) is { } normalized)
                    {
                        values[step.OutputSlots[0]] = sum;
                        values[next.OutputSlots[0]] = normalized;
                        s++;
                        continue;
                    }
                }
                if (step.Arguments is { } merged)
                {
                    for (int j = 0; j < merged.Length; j++) merged[j] = values[step.InputSlots[j]]!;
                    result = step.CheckShapes ? ((MergeLayer)layer).Call(merged, training) : ((MergeLayer)layer).MergeChecked(merged, training);
                    Array.Clear(merged);
                }
                else result = layer.Call(values[step.InputSlots[0]]!, training);
                values[step.OutputSlots[0]] = result;
            }
            for (int i = 0; i < outputs.Length; i++) outputs[i] = values[_outputSlots[i]]!;
        }
        finally
        {
            Array.Clear(values); // no tensor of this batch stays reachable from the model
        }
    }

    /// <summary>Whether <paramref name="tensor"/> sits in one slot of <paramref name="values"/> only.</summary>
    private static bool HeldOnce(Tensor?[] values, Tensor tensor)
    {
        int held = 0;
        foreach (var value in values) if (ReferenceEquals(value, tensor)) held++;
        return held == 1;
    }

    /// <summary>
    /// Keras' functional configuration: each layer with the calls that feed it (<c>inbound_nodes</c>, each a list
    /// of <c>[layer, call, output]</c>), and the model's input and output tensors in the same form.
    /// </summary>
    internal void WriteConfig(JsonObject config)
    {
        var callIndex = new Dictionary<GraphNode, int>(ReferenceEqualityComparer.Instance);
        var callsPerLayer = new Dictionary<Layer, List<GraphNode>>(ReferenceEqualityComparer.Instance);
        foreach (var node in Inputs.Select(i => i.Node).Concat(Nodes))
        {
            if (!callsPerLayer.TryGetValue(node.Layer, out var calls)) callsPerLayer[node.Layer] = calls = [];
            callIndex[node] = calls.Count;
            calls.Add(node);
        }
        JsonArray Reference(SymbolicTensor t) => new(JsonValue.Create(t.Layer.Name), JsonValue.Create(callIndex[t.Node]), JsonValue.Create(t.Index));
        var layers = new JsonArray();
        foreach (var layer in Layers)
        {
            var inbound = new JsonArray();
            if (layer is not Input)
                foreach (var node in callsPerLayer[layer])
                    inbound.Add(node.Keywords is { } keywords
                        ? keywords.Write(node.Inputs, Reference)
                        : (JsonNode)new JsonArray(node.Inputs.Select(i => (JsonNode?)Reference(i)).ToArray()));
            layers.Add((JsonNode)new JsonObject
            {
                ["class_name"] = layer.ClassName,
                ["config"] = layer.GetConfig(),
                ["name"] = layer.Name,
                ["inbound_nodes"] = inbound,
            });
        }
        config["layers"] = layers;
        config["input_layers"] = new JsonArray(Inputs.Select(i => (JsonNode?)Reference(i)).ToArray());
        config["output_layers"] = new JsonArray(Outputs.Select(o => (JsonNode?)Reference(o)).ToArray());
    }

    /// <summary>Recreates the layers of a saved functional configuration and calls them again as recorded.</summary>
    internal static (List<SymbolicTensor> Inputs, List<SymbolicTensor> Outputs) ReadConfig(ConfigReader config, string modelName)
    {
        if (!config.TryGet("layers", out var layersNode)) throw config.Missing("layers");
        var entries = layersNode as JsonArray ?? throw config.Invalid("layers", layersNode, "an array of saved layers");
        var layers = new Dictionary<string, Layer>(StringComparer.Ordinal);
        var pending = new List<(Layer Layer, JsonNode Call)>();
        var produced = new Dictionary<(string, int), SymbolicTensor[]>();
        var callsMade = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in entries)
        {
            var obj = item as JsonObject ?? throw new FormatException($"Model '{modelName}': a saved layer entry is {ConfigReader.Found(item)}, not an object.");
            var entry = new ConfigReader(obj, $"Model '{modelName}': a saved layer entry");
            var layer = LayerRegistry.Create(entry);
            if (entry.OptionalString("name") is { } entryName && entryName != layer.Name)
                throw new FormatException($"Model '{modelName}': the entry of layer '{layer.Name}' is named '{entryName}'.");
            if (!layers.TryAdd(layer.Name, layer)) throw new FormatException($"Model '{modelName}': two saved layers are named '{layer.Name}'.");
            callsMade[layer.Name] = 0;
            var calls = entry.TryGet("inbound_nodes", out var inbound) ? inbound as JsonArray ?? throw entry.Invalid("inbound_nodes", inbound, "an array of calls") : [];
            entry.Finish(0);
            if (layer is Input input)
            {
                if (calls.Count > 0) throw new FormatException($"Model '{modelName}': input '{input.Name}' has inbound nodes; an input is not called.");
                produced[(input.Name, 0)] = [input.Output];
            }
            else
                foreach (var call in calls)
                    pending.Add((layer, call is JsonArray or JsonObject ? call
                        : throw new FormatException($"Model '{modelName}': layer '{layer.Name}' has a malformed inbound node {ConfigReader.Found(call)}.")));
        }
        // Calls are made once their inputs exist, a layer's calls in their saved order; a shared layer's later
        // call may depend on layers listed after it, hence the passes.
        while (pending.Count > 0)
        {
            int before = pending.Count;
            var waiting = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
            for (int p = 0; p < pending.Count; p++)
            {
                var (layer, call) = pending[p];
                if (!waiting.Add(layer)) continue; // an earlier call of this layer first
                SymbolicTensor? Resolve(JsonNode? reference)
                {
                    var (name, index, tensor) = ParseReference(reference, modelName);
                    if (!layers.ContainsKey(name)) throw new FormatException($"Model '{modelName}': layer '{layer.Name}' is fed by unknown layer '{name}'.");
                    if (!produced.TryGetValue((name, index), out var outputs)) return null;
                    return tensor < outputs.Length ? outputs[tensor]
                        : throw new FormatException($"Model '{modelName}': layer '{layer.Name}' reads output {tensor} of '{name}' call {index}, which has {outputs.Length}.");
                }
                SymbolicTensor[] result;
                if (call is JsonObject withKeywords)
                {
                    // Keras 3's {"args": [...], "kwargs": {...}}: attention masks and flags.
                    string at = $"Model '{modelName}': layer '{layer.Name}'";
                    var keywordLayer = layer as AttentionLayer ?? throw new FormatException($"{at} ({layer.ClassName}) takes no keyword arguments, but a saved call passes some.");
                    var (argsNode, tensorNodes, causal, scores) = CallKeywords.Read(withKeywords, keywordLayer.MaskKeywords, at);
                    var args = argsNode.Select(Resolve).ToList();
                    var tensors = tensorNodes.Select(t => (t.Name, Tensor: Resolve(t.Reference))).ToList();
                    if (args.Any(a => a is null) || tensors.Any(t => t.Tensor is null)) continue;
                    result = keywordLayer.CallRecorded(args!, tensors.ToDictionary(t => t.Name, t => t.Tensor!), new CallKeywords(args.Count, [], causal, scores));
                }
                else
                {
                    var args = new List<SymbolicTensor>();
                    bool ready = true;
                    foreach (var reference in (JsonArray)call)
                    {
                        if (Resolve(reference) is not { } tensor) { ready = false; break; }
                        args.Add(tensor);
                    }
                    if (!ready) continue;
                    result = [layer is MergeLayer merge ? merge.Call(args) : layer.Call(args.Count == 1 ? args[0]
                        : throw new FormatException($"Model '{modelName}': layer '{layer.Name}' is not a merge layer but has {args.Count} inputs."))];
                }
                produced[(layer.Name, callsMade[layer.Name]++)] = result;
                pending.RemoveAt(p);
                waiting.Remove(layer);
                p--;
            }
            if (pending.Count == before)
                throw new FormatException($"Model '{modelName}': the saved graph cannot be rebuilt; layer '{pending[0].Layer.Name}' is fed by calls that never happen.");
        }
        List<SymbolicTensor> Tensors(string key)
        {
            if (!config.TryGet(key, out var node)) throw config.Missing(key);
            var list = node as JsonArray ?? throw config.Invalid(key, node, "an array of [layer, call, output] references");
            return list.Select(reference =>
            {
                var (name, index, tensor) = ParseReference(reference, modelName);
                return produced.TryGetValue((name, index), out var outputs) && tensor < outputs.Length ? outputs[tensor]
                    : throw new FormatException($"Model '{modelName}': '{key}' names '{name}' call {index}, which the saved graph does not make.");
            }).ToList();
        }
        return (Tensors("input_layers"), Tensors("output_layers"));
    }

    private static (string Name, int Call, int Tensor) ParseReference(JsonNode? reference, string modelName)
    {
        if (reference is JsonArray { Count: 3 } parts
            && parts[0] is JsonValue name && name.GetValueKind() == JsonValueKind.String
            && parts[1] is JsonValue call && call.GetValueKind() == JsonValueKind.Number && call.TryGetValue(out int callIndex) && callIndex >= 0
            && parts[2] is JsonValue output && output.GetValueKind() == JsonValueKind.Number && output.TryGetValue(out int tensor))
        {
            if (tensor < 0) throw new FormatException($"Model '{modelName}': reference {reference.ToJsonString()} names a negative output.");
            return (name.GetValue<string>(), callIndex, tensor);
        }
        throw new FormatException($"Model '{modelName}': {ConfigReader.Found(reference)} is not a [layer, call, output] reference.");
    }
}

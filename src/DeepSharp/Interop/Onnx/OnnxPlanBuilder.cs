using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// Turns an analysed ONNX graph into an <see cref="OnnxPlan"/>: each node becomes a Keras-style layer where
/// one fits (<see cref="OnnxPlanBuilder"/>'s recognizers) or an <see cref="OnnxNode"/>; images are kept
/// channels-last and sequences batch-major where the graph allows, tracked by each value's
/// <see cref="OnnxLayout"/>, and put back in ONNX's layout only where a node needs it.
/// </summary>
internal sealed partial class OnnxPlanBuilder
{
    private static readonly int[] Nhwc = [0, 3, 1, 2];   // onnx NCHW = tensor NHWC permuted so
    private static readonly int[] ToNhwc = [0, 2, 3, 1]; // the permutation that makes NHWC of NCHW

    private readonly OnnxImporter _import;
    private readonly OnnxGraph _graph;
    private readonly bool _channelsLast, _recognize;
    private readonly OnnxPlan _plan = new();
    private readonly Dictionary<string, Rep> _reps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _plain = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _channelsLastIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int[] First, int[] Second)> _shapes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly HashSet<string> _layerNames = new(StringComparer.Ordinal);
    private readonly HashSet<OnnxGraphNode> _absorbed = new(ReferenceEqualityComparer.Instance);

    /// <summary>The model tensor that stands for an ONNX value, and how.</summary>
    private readonly record struct Rep(string Id, OnnxLayout Layout);

    public OnnxPlanBuilder(OnnxImporter import, bool channelsLast, bool recognize)
    {
        _import = import;
        _graph = import.Graph;
        _channelsLast = channelsLast;
        _recognize = recognize;
    }

    private bool Traced => _import.Shapes is not null;

    public OnnxPlan Build()
    {
        foreach (var input in _graph.Inputs) AddInput(input);
        foreach (var node in _import.Remaining)
            if (!_absorbed.Contains(node)) OnnxImporter.Wrap(_graph, node, () => { Convert(node); return 0; });
        foreach (var output in _graph.Outputs) AddOutput(output.Name);
        return _plan;
    }

    private void AddInput(OnnxValueInfo input)
    {
        var layout = OnnxLayout.Plain;
        if (Traced && _channelsLast && _import.Shapes![input.Name].First.Length == 4 && OnnxDataTypes.IsFloat(input.Type) && FeedsImageOps(input.Name))
            layout = OnnxLayout.Permuted(Nhwc);
        string id = NewId(input.Name);
        _layerNames.Add(id);
        SetShapes(id, input.Name, layout);
        var sample = Traced ? new TensorShape(_shapes[id].First[1..]) : new TensorShape();
        _plan.Inputs.Add(new OnnxPlan.PlanInput(input.Name, id, sample));
        _reps[input.Name] = new Rep(id, layout);
    }

    /// <summary>
    /// Whether a 4-D input is an NCHW image: it reaches a convolution or pooling (through elementwise ops such as
    /// a normalization) before any transpose. An exporter from Keras transposes its NHWC input first; that input
    /// is then taken as it is.
    /// </summary>
    private bool FeedsImageOps(string input)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([input]);
        while (pending.Count > 0)
        {
            foreach (var (node, slot) in ConsumersOf(pending.Pop()))
            {
                if (Spatial.Contains(node.OpType) && slot == 0) return true;
                bool transparent = Elementwise.Contains(node.OpType) || Broadcasting.Contains(node.OpType) || node.OpType is "Identity" or "Dropout" or "Pad";
                if (transparent && node.Outputs.Length > 0 && node.Outputs[0] != "" && seen.Add(node.Outputs[0])) pending.Push(node.Outputs[0]);
            }
        }
        return false;
    }

    private void AddOutput(string name)
    {
        if (_import.Constants.TryGetValue(name, out var constant))
        {
            if (Traced) throw new InvalidDataException($"'{_graph.Source}': output '{name}' is a constant; a DeepSharp model's outputs are computed from its inputs.");
            // Run as given (ONNX's node tests): a constant output is an Identity of the constant.
            string constantId = NewId(name);
            AddOnnxStep(name, "Identity", 1, OnnxAttributes.Empty, false, [SlotSource.Weight(name, constant, false)], [constant.Type], [new TensorShape()], [constantId]);
            _plan.Outputs.Add((name, constantId));
            return;
        }
        var rep = _reps[name];
        // Images stay channels-last (the model's layout); everything else is given as ONNX has it.
        bool keep = rep.Layout.IsPermutation && rep.Layout.Permutation!.SequenceEqual(Nhwc);
        string id = keep ? rep.Id : Plain(name);
        if (Traced && !_import.IsBatchMajor(_shapes[id].First, _shapes[id].Second))
            throw new InvalidDataException($"'{_graph.Source}': output '{name}' does not have the batch as its first axis (shape [{string.Join(", ", _import.Shapes![name].First)}] " +
                $"for a batch of {_import.Batches.First}); a DeepSharp model's outputs are batches.");
        _plan.Outputs.Add((name, id));
    }

    private void Convert(OnnxGraphNode node)
    {
        if (node.OpType == "Identity" || node.OpType == "Pad" && _recognize && PadsOf(node) is { } pads && pads.All(p => p == 0))
        {
            _reps[node.Outputs[0]] = _reps[node.Inputs[0]];
            return;
        }
        if (_recognize && Recognize(node)) return;
        if (_channelsLast && KeepLayout(node)) return;
        Generic(node);
    }

    // ---- the general path: one OnnxNode, inputs in ONNX's layout --------------------------------------

    /// <summary>The node as an <see cref="OnnxNode"/> reading its inputs in ONNX's layout.</summary>
    private void Generic(OnnxGraphNode node)
    {
        var slots = node.Inputs.Select((name, i) => Source(node, i)).ToArray();
        AddNode(node, node.OpType, _graph.Opset, node.Attributes, channelsLast: false, slots, node.Outputs.Select(_ => OnnxLayout.Plain).ToArray());
    }

    /// <summary>What feeds input slot <paramref name="index"/> of a node in ONNX's layout.</summary>
    private SlotSource Source(OnnxGraphNode node, int index)
    {
        string name = node.Inputs[index];
        if (name == "") return SlotSource.Absent;
        if (_import.Constants.TryGetValue(name, out var constant)) return SlotSource.Weight(name, constant, Trainable(node, index, name));
        return SlotSource.Input(Plain(name), _import.Types[name]);
    }

    /// <summary>What feeds one input slot of an <see cref="OnnxNode"/>.</summary>
    private sealed record SlotSource(OnnxNode.SlotKind Kind, string? Id, string? Name, OnnxConstant? Value, DataType Type, bool Trainable)
    {
        public static SlotSource Absent { get; } = new(OnnxNode.SlotKind.Absent, null, null, null, DataType.Undefined, false);
        public static SlotSource Input(string id, DataType type) => new(OnnxNode.SlotKind.Input, id, null, null, type, false);
        public static SlotSource Weight(string name, OnnxConstant value, bool trainable) => new(OnnxNode.SlotKind.Weight, null, name, value, value.Type, trainable);
    }

    // Float inputs that configure an op rather than parametrise it: never trained.
    private static readonly Dictionary<string, int[]> Settings = new(StringComparer.Ordinal)
    {
        ["BatchNormalization"] = [3, 4], ["Clip"] = [1, 2], ["Pad"] = [1, 2], ["Dropout"] = [1, 2],
        ["LSTM"] = [4, 5, 6], ["GRU"] = [4, 5], ["RNN"] = [4, 5], ["Where"] = [0], ["Pow"] = [1],
    };

    /// <summary>
    /// Whether a constant input becomes a trainable weight: a float initializer of the file (not a Constant node
    /// or a folded value), not a scalar (exporters' constants; PRelu's single slope excepted), in a slot that
    /// holds parameters.
    /// </summary>
    private bool Trainable(OnnxGraphNode node, int slot, string name) =>
        _import.Parameters.Contains(name) && _graph.Initializers.ContainsKey(name)
        && (_graph.Initializers[name].Values.Length > 1 || node.OpType == "PRelu")
        && !(Settings.TryGetValue(node.OpType, out var settings) && settings.Contains(slot));

    /// <summary>
    /// Adds an <see cref="OnnxNode"/> step computing <paramref name="node"/>'s outputs (laid out as
    /// <paramref name="layouts"/> say) from <paramref name="slots"/>; returns the new tensors' ids.
    /// </summary>
    private string?[] AddNode(OnnxGraphNode node, string opType, int opset, OnnxAttributes attributes, bool channelsLast,
        SlotSource[] slots, OnnxLayout[] layouts)
    {
        var ids = new string?[node.Outputs.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            string output = node.Outputs[i];
            if (output == "" || !IsUsed(output)) continue;
            ids[i] = NewId(output);
            SetShapes(ids[i]!, output, layouts[i]);
            _reps[output] = new Rep(ids[i]!, layouts[i]);
        }
        if (ids.All(id => id is null)) return ids;
        var outputTypes = _import.NodeTypes[node].Outputs;
        var shapes = ids.Select(id => id is not null && Traced && _shapes[id].First.Length > 0 ? new TensorShape(_shapes[id].First[1..]) : new TensorShape()).ToArray();
        AddOnnxStep(node.Name, opType, opset, attributes, channelsLast, slots, outputTypes, shapes, ids);
        return ids;
    }

    /// <summary>Adds an <see cref="OnnxNode"/> step writing <paramref name="ids"/>.</summary>
    private void AddOnnxStep(string stem, string opType, int opset, OnnxAttributes attributes, bool channelsLast, SlotSource[] slots,
        DataType[] outputTypes, TensorShape[] shapes, string?[] ids)
    {
        var weightNames = new HashSet<string>(StringComparer.Ordinal);
        var layerSlots = new OnnxNode.Slot[slots.Length];
        var values = new OnnxConstant?[slots.Length];
        var types = new DataType[slots.Length];
        var inputs = new List<string>();
        for (int i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            types[i] = s.Type;
            switch (s.Kind)
            {
                case OnnxNode.SlotKind.Input:
                    layerSlots[i] = new OnnxNode.Slot(s.Kind, null, null, false);
                    inputs.Add(s.Id!);
                    break;
                case OnnxNode.SlotKind.Weight:
                    string weightName = Unique(Sanitize(s.Name!, $"input{i}"), weightNames);
                    layerSlots[i] = new OnnxNode.Slot(s.Kind, weightName, s.Value!.Shape, s.Trainable);
                    values[i] = s.Value;
                    break;
                default:
                    layerSlots[i] = new OnnxNode.Slot(s.Kind, null, null, false);
                    break;
            }
        }
        int first = Array.FindIndex(ids, id => id is not null);
        var layer = new OnnxNode(NewLayerName(stem), opType, opset, attributes, channelsLast, layerSlots, values, types, outputTypes, first, shapes);
        _plan.Steps.Add(new OnnxPlan.PlanStep(layer, inputs.ToArray(), ids));
    }

    /// <summary>A single-output op made by the importer itself (a transpose back to ONNX's layout, say) on tensor <paramref name="input"/>.</summary>
    private string AddSynthetic(string stem, string opType, int opset, OnnxAttributes attributes, string input, DataType type, int[] first, int[] second,
        OnnxConstant? weight = null)
    {
        string id = NewId(stem);
        _shapes[id] = (first, second);
        SlotSource[] slots = weight is null
            ? [SlotSource.Input(input, type)]
            : [SlotSource.Input(input, type), SlotSource.Weight("indices", weight, trainable: false)];
        var shape = Traced && first.Length > 0 ? new TensorShape(first[1..]) : new TensorShape();
        AddOnnxStep(stem, opType, opset, attributes, channelsLast: false, slots, [type], [shape], [id]);
        return id;
    }

    // ---- layouts ---------------------------------------------------------------------------------------

    /// <summary>The id of a model tensor holding ONNX value <paramref name="name"/> in ONNX's layout, adding the steps that make it.</summary>
    private string Plain(string name)
    {
        if (_plain.TryGetValue(name, out var known)) return known;
        var rep = _reps[name];
        if (rep.Layout.IsPlain) return rep.Id;
        var type = _import.Types[name];
        string id = rep.Id;
        var (first, second) = _shapes[id];
        if (rep.Layout.Permutation is { } permutation)
        {
            first = permutation.Select(p => first[p]).ToArray();
            second = permutation.Select(p => second[p]).ToArray();
            id = AddSynthetic($"{name}_transpose", "Transpose", 13, Attributes(("perm", permutation.Select(p => (long)p).ToArray())), id, type, first, second);
        }
        if (rep.Layout.Unsqueezed is { } axis)
        {
            first = [.. first[..axis], 1, .. first[axis..]];
            second = [.. second[..axis], 1, .. second[axis..]];
            id = AddSynthetic($"{name}_unsqueeze", "Unsqueeze", 11, Attributes(("axes", new long[] { axis })), id, type, first, second);
        }
        if (rep.Layout.Features is { } features)
        {
            var indices = new OnnxConstant(features.Select(f => (float)f).ToArray(), [features.Length], DataType.Int64);
            id = AddSynthetic($"{name}_reorder", "Gather", 13, Attributes(("axis", 1L)), id, type, first, second, indices);
        }
        _plain[name] = id;
        return id;
    }

    /// <summary>The id of a channels-last (NHWC) model tensor for a 4-D ONNX value, adding a transpose if the value is held as NCHW.</summary>
    private string ChannelsLastId(string name)
    {
        var rep = _reps[name];
        if (rep.Layout.IsPermutation && rep.Layout.Permutation!.SequenceEqual(Nhwc)) return rep.Id;
        if (_channelsLastIds.TryGetValue(name, out var known)) return known;
        string plain = Plain(name);
        var (first, second) = _shapes[plain];
        string id = AddSynthetic($"{name}_nhwc", "Transpose", 13, Attributes(("perm", ToNhwc.Select(p => (long)p).ToArray())), plain, _import.Types[name],
            ToNhwc.Select(p => first[p]).ToArray(), ToNhwc.Select(p => second[p]).ToArray());
        _channelsLastIds[name] = id;
        return id;
    }

    /// <summary>Whether ONNX value <paramref name="name"/> can be had channels-last: a 4-D, non-constant value.</summary>
    private bool IsImage(string name) => !_import.Constants.ContainsKey(name) && Traced && _import.Shapes![name].First.Length == 4;

    /// <summary>Records the probe shapes of model tensor <paramref name="id"/> standing for ONNX value <paramref name="onnx"/>.</summary>
    private void SetShapes(string id, string onnx, OnnxLayout layout)
    {
        if (!Traced) return;
        var (first, second) = _import.Shapes![onnx];
        _shapes[id] = (layout.TensorShape(first), layout.TensorShape(second));
    }

    /// <summary>Whether model tensor <paramref name="id"/> has the batch first (a Keras layer can take it).</summary>
    private bool BatchMajor(string id) => Traced && _import.IsBatchMajor(_shapes[id].First, _shapes[id].Second);

    /// <summary>The per-sample shape of model tensor <paramref name="id"/>.</summary>
    private TensorShape SampleShape(string id) => new(_shapes[id].First[1..]);

    private bool IsUsed(string value) => _import.GraphOutputs.Contains(value) || _import.Consumers.ContainsKey(value);

    /// <summary>The nodes that read <paramref name="value"/> (none for a graph output nobody reads).</summary>
    private List<(OnnxGraphNode Node, int Slot)> ConsumersOf(string value) => _import.Consumers.GetValueOrDefault(value) ?? [];

    // ---- names -----------------------------------------------------------------------------------------

    private string NewId(string stem) => Unique(Sanitize(stem, "value"), _ids);

    private string NewLayerName(string stem) => Unique(Sanitize(stem, "onnx_node"), _layerNames);

    private static string Unique(string stem, HashSet<string> taken)
    {
        string name = stem;
        for (int i = 1; !taken.Add(name); i++) name = $"{stem}_{i}";
        return name;
    }

    /// <summary>A layer or weight name from an ONNX name: letters, digits, '_', '.', '-' kept, the rest '_' ("/net/net.0/Conv" is "net_net.0_Conv").</summary>
    private static string Sanitize(string name, string fallback)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_').ToArray();
        var text = new string(chars).Trim('_');
        while (text.Contains("__", StringComparison.Ordinal)) text = text.Replace("__", "_", StringComparison.Ordinal);
        return text.Length == 0 ? fallback : text;
    }

    private static OnnxAttributes Attributes(params (string Name, object Value)[] values)
    {
        var attributes = OnnxAttributes.Empty;
        foreach (var (name, value) in values) attributes = attributes.With(name, value);
        return attributes;
    }
}

using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DeepSharp.Interop.Onnx;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp;

/// <summary>
/// One node of an imported ONNX graph that has no Keras-style layer of its own: its op type, opset and
/// attributes, run by the importer's converter for that op on DeepSharp's differentiable Ops. The node's
/// constant inputs (ONNX initializers) are the layer's weights — trainable when they are float parameters —
/// and its other inputs are the layer's inputs, in order. Saved and loaded with the model like any layer.
/// </summary>
public sealed class OnnxNode : MergeLayer
{
    private readonly OnnxKernel _kernel;
    private readonly Slot[] _slots;
    private readonly Tensor?[] _weights;
    private readonly DataType[] _inputTypes, _outputTypes;
    private readonly OnnxAttributes _attributes;
    private readonly TensorShape[] _outputShapes;
    private readonly int _inputCount;

    /// <summary>What feeds one input slot of the node.</summary>
    internal readonly record struct Slot(SlotKind Kind, string? WeightName, int[]? Shape, bool Trainable);

    /// <summary>Whether a slot is a layer input, a weight, or absent.</summary>
    internal enum SlotKind { Input, Weight, Absent }

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "A saved model holding ONNX nodes must load before any ONNX import ran in the process.")]
    internal static void RegisterFactory() => LayerRegistry.Register(nameof(OnnxNode), FromConfig);

    /// <summary>Creates the layer for a node; <paramref name="values"/> holds each weight slot's values (null on reload).</summary>
    internal OnnxNode(string name, string opType, int opset, OnnxAttributes attributes, bool channelsLast, Slot[] slots, OnnxConstant?[]? values,
        DataType[] inputTypes, DataType[] outputTypes, int outputIndex, TensorShape[] outputShapes) : base(name)
    {
        OpType = opType;
        Opset = opset;
        ChannelsLast = channelsLast;
        OutputIndex = outputIndex;
        _attributes = attributes;
        _slots = slots;
        _inputTypes = inputTypes;
        _outputTypes = outputTypes;
        if (outputIndex < 0 || outputIndex >= outputTypes.Length || outputShapes.Length != outputTypes.Length)
            throw new ArgumentException($"OnnxNode '{name}' ({opType}): output {outputIndex} of {outputTypes.Length} with {outputShapes.Length} shapes.");
        _outputShapes = outputShapes;
        var converter = OnnxOperators.Find(opType, opset) ?? throw new NotSupportedException($"OnnxNode '{name}': op {opType} (opset {opset}) has no converter.");
        _kernel = converter(Context(name));
        _inputCount = slots.Count(s => s.Kind == SlotKind.Input);
        _weights = new Tensor?[slots.Length];
        using (TensorScope.Suspend())
        using (Autograd.NoGrad())
        {
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i].Kind != SlotKind.Weight) continue;
                // A layer's weights have at least one axis: an ONNX scalar is kept as a weight of shape (1,).
                var shape = slots[i].Shape!.Length == 0 ? new TensorShape(1) : new TensorShape(slots[i].Shape!);
                var weight = AddWeight(slots[i].WeightName!, shape, new Zeros(), trainable: slots[i].Trainable);
                if (values?[i] is { } value) weight.CopyFrom(value.Values);
                _weights[i] = weight;
            }
        }
        MarkBuilt(null);
    }

    /// <summary>The ONNX op type ("Conv", "Slice").</summary>
    public string OpType { get; }

    /// <summary>The opset version of ONNX's domain the node was written for.</summary>
    public int Opset { get; }

    /// <summary>Which of the node's outputs this layer gives.</summary>
    public int OutputIndex { get; }

    /// <summary>Whether the importer laid the node's image tensors out channels-last (NHWC).</summary>
    public bool ChannelsLast { get; }

    /// <summary>The node's attributes (an export writes them back).</summary>
    internal OnnxAttributes Attributes => _attributes;

    /// <summary>What feeds each input slot.</summary>
    internal IReadOnlyList<Slot> Slots => _slots;

    /// <summary>The weight of each weight slot (null for the other slots), with its current, possibly trained, values.</summary>
    internal IReadOnlyList<Tensor?> SlotWeights => _weights;

    /// <summary>The ONNX element type of each input slot.</summary>
    internal IReadOnlyList<DataType> InputTypes => _inputTypes;

    /// <summary>The ONNX element type of each of the node's outputs.</summary>
    internal IReadOnlyList<DataType> OutputTypes => _outputTypes;

    /// <inheritdoc/>
    protected override int MinInputs => 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count != _inputCount)
            throw new ArgumentException($"OnnxNode '{Name}' ({OpType}) takes {_inputCount} input(s); got {inputShapes.Count}.");
        return _outputShapes[OutputIndex];
    }

    /// <summary>
    /// The same node giving output <paramref name="index"/> instead, with a copy of this node's weights (a
    /// model reads each layer's single output; a node whose several outputs are used becomes several layers).
    /// </summary>
    internal OnnxNode ForOutput(int index, string name)
    {
        var values = new OnnxConstant?[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
            if (_weights[i] is { } w) values[i] = OnnxConstant.From(w, _inputTypes[i]);
        return new OnnxNode(name, OpType, Opset, _attributes, ChannelsLast, _slots, values, _inputTypes, _outputTypes, index, _outputShapes);
    }

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs) => RunAll(inputs)[OutputIndex];

    /// <summary>Every output of the node for its layer inputs (the importer's runner and ONNX's node tests read them all).</summary>
    internal Tensor[] RunAll(ReadOnlySpan<Tensor> inputs)
    {
        if (inputs.Length != _inputCount)
            throw new ArgumentException($"OnnxNode '{Name}' ({OpType}) takes {_inputCount} input(s); got {inputs.Length}.");
        var arguments = new Tensor?[_slots.Length];
        for (int i = 0, next = 0; i < _slots.Length; i++)
            arguments[i] = _slots[i].Kind switch
            {
                SlotKind.Input => inputs[next++],
                // A layer's weights have at least one axis; ONNX's scalars are read back as rank 0.
                SlotKind.Weight => _slots[i].Shape!.Length == 0 ? Ops.Reshape(_weights[i]!, new TensorShape()) : _weights[i],
                _ => null,
            };
        var outputs = _kernel(arguments);
        for (int i = 0; i < outputs.Length && i < _outputTypes.Length; i++)
            if (OnnxDataTypes.IsInteger(_outputTypes[i])) outputs[i] = OnnxValues.CastTo(outputs[i], _outputTypes[i]);
        return outputs;
    }

    private OnnxNodeContext Context(string name) => new()
    {
        Name = name, OpType = OpType, Opset = Opset, Attributes = _attributes, ChannelsLast = ChannelsLast,
        InputTypes = _slots.Select((s, i) => s.Kind == SlotKind.Absent ? DataType.Undefined : _inputTypes[i]).ToArray(),
        OutputTypes = _outputTypes,
    };

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["op_type"] = OpType;
        config["opset"] = Opset;
        config["attributes"] = _attributes.ToJson();
        config["channels_last"] = ChannelsLast;
        var inputs = new JsonArray();
        for (int i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[i];
            var entry = new JsonObject { ["kind"] = slot.Kind.ToString().ToLowerInvariant() };
            if (slot.Kind != SlotKind.Absent) entry["type"] = OnnxDataTypes.Name(_inputTypes[i]);
            if (slot.Kind == SlotKind.Weight)
            {
                entry["name"] = slot.WeightName;
                entry["shape"] = new JsonArray(slot.Shape!.Select(d => (JsonNode?)d).ToArray());
                entry["trainable"] = slot.Trainable;
            }
            inputs.Add((JsonNode)entry);
        }
        config["inputs"] = inputs;
        config["output_types"] = new JsonArray(_outputTypes.Select(t => (JsonNode?)OnnxDataTypes.Name(t)).ToArray());
        config["output"] = OutputIndex;
        config["output_shape"] = ShapeJson.Write(_outputShapes[OutputIndex]);
        return config;
    }

    /// <summary>
    /// Recreates the layer from the configuration <see cref="GetConfig"/> wrote (its weights come from the saved
    /// file), strictly: every key known, every value of its type (see <see cref="ConfigReader"/>).
    /// </summary>
    internal static OnnxNode FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(OnnxNode));
        string name = r.Name ?? throw r.Missing("name");
        string opType = r.Required<string>("op_type");
        int opset = r.Required<int>("opset");
        var attributes = OnnxAttributes.FromJson(r.Object("attributes") ?? [], $"{r.Owner}.attributes");
        bool channelsLast = r.Optional("channels_last", false);
        if (!r.TryGet("inputs", out var inputsNode) || inputsNode is not JsonArray inputs)
            throw r.Invalid("inputs", inputsNode, "an array of input entries {\"kind\": \"input\" | \"weight\" | \"absent\", ...}");
        var slots = new Slot[inputs.Count];
        var types = new DataType[inputs.Count];
        for (int i = 0; i < slots.Length; i++)
            (slots[i], types[i]) = ReadSlot(inputs[i] as JsonObject ?? throw r.Invalid("inputs", inputsNode, "an array of input entries (objects)"), $"{r.Owner} input {i}");
        if (!r.TryGet("output_types", out var typesNode) || typesNode is not JsonArray typeNames)
            throw r.Invalid("output_types", typesNode, "an array of ONNX element type names");
        var outputTypes = typeNames.Select(t => Parse(r.Value<string>("output_types", t), r.Owner)).ToArray();
        int output = r.Optional("output", 0);
        if (output < 0 || output >= outputTypes.Length)
            throw r.Invalid("output", output.ToString(System.Globalization.CultureInfo.InvariantCulture), $"an index of 'output_types' (0 to {outputTypes.Length - 1})");
        var shapes = new TensorShape[outputTypes.Length];
        shapes[output] = r.TryGet("output_shape", out var shapeNode) ? r.Shape("output_shape", shapeNode) : throw r.Missing("output_shape");
        r.Finish(0);
        try
        {
            return new OnnxNode(name, opType, opset, attributes, channelsLast, slots, null, types, outputTypes, output, shapes);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException or InvalidDataException
            or InvalidCastException or IndexOutOfRangeException or KeyNotFoundException or OverflowException)
        {
            // A converter reads the node's attributes as the ONNX file gave them; a hand-edited value it cannot take is the file's fault.
            throw new FormatException($"{r.Owner} ({opType}): the saved configuration is not valid: {e.Message}", e);
        }
    }

    /// <summary>One entry of "inputs": <c>{"kind": "input", "type": ...}</c>, <c>{"kind": "weight", "type", "name", "shape", "trainable"}</c> or <c>{"kind": "absent"}</c>.</summary>
    private static (Slot Slot, DataType Type) ReadSlot(JsonObject entry, string owner)
    {
        var r = new ConfigReader(entry, owner);
        string kindName = r.Required<string>("kind");
        var kind = kindName switch
        {
            "input" => SlotKind.Input,
            "weight" => SlotKind.Weight,
            "absent" => SlotKind.Absent,
            _ => throw r.Invalid("kind", $"\"{kindName}\"", "\"input\", \"weight\" or \"absent\""),
        };
        if (kind == SlotKind.Absent) return r.Finish((new Slot(kind, null, null, false), DataType.Undefined));
        var type = Parse(r.Required<string>("type"), owner);
        if (kind == SlotKind.Input) return r.Finish((new Slot(kind, null, null, false), type));
        string weightName = r.Required<string>("name");
        var shape = r.TryGet("shape", out var shapeNode) ? r.Shape("shape", shapeNode) : throw r.Missing("shape");
        return r.Finish((new Slot(kind, weightName, shape.ToArray(), r.Optional("trainable", true)), type));
    }

    private static DataType Parse(string typeName, string owner)
    {
        try
        {
            return OnnxDataTypes.Parse(typeName);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{owner}: {e.Message}", e);
        }
    }
}

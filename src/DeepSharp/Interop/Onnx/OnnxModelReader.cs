using Google.Protobuf;
using DeepSharp.Interop.Onnx.Proto;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// Reads the bytes of an ONNX file into a checked <see cref="OnnxGraph"/>. Everything that is not a well-formed
/// model DeepSharp can read is refused with an <see cref="InvalidDataException"/> naming the file and the
/// problem: protobuf that does not parse, a missing graph or opset, tensors whose data does not match their
/// header, nodes that read values nobody defines, names defined twice.
/// </summary>
internal static class OnnxModelReader
{
    /// <summary>Parses and checks <paramref name="bytes"/>; <paramref name="source"/> names the file in messages.</summary>
    public static OnnxGraph Read(ReadOnlySpan<byte> bytes, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{source}' is not a valid ONNX model: {e.Message}", e);
        }
        try
        {
            return Check(model, source);
        }
        catch (Exception e) when (e is InvalidDataException or OnnxUnsupportedException)
        {
            throw new InvalidDataException($"'{source}': {e.Message}", e);
        }
    }

    private static OnnxGraph Check(ModelProto model, string source)
    {
        var graph = model.Graph ?? throw new InvalidDataException("the file holds no graph (is it an ONNX model?).");
        int opset = -1;
        foreach (var import in model.OpsetImport)
            if (import.Domain is "" or "ai.onnx")
                opset = import.Version is > 0 and <= 1000 ? (int)import.Version
                    : throw new InvalidDataException($"the ONNX opset version {import.Version} is not valid.");
        if (opset < 0) throw new InvalidDataException("the model imports no version of ONNX's operator set (opset_import).");
        if (graph.SparseInitializer.Count > 0)
            throw new OnnxUnsupportedException([new OnnxUnsupportedNode("graph", graph.Name, "it has sparse initializers")]);

        var initializers = new Dictionary<string, OnnxConstant>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer)
        {
            if (string.IsNullOrEmpty(t.Name)) throw new InvalidDataException("an initializer has no name.");
            if (!initializers.TryAdd(t.Name, OnnxTensorReader.Read(t, $"initializer '{t.Name}'")))
                throw new InvalidDataException($"two initializers are named '{t.Name}'.");
        }

        var defined = new HashSet<string>(initializers.Keys, StringComparer.Ordinal);
        var types = new Dictionary<string, DataType>(StringComparer.Ordinal);
        var inputs = new List<OnnxValueInfo>();
        foreach (var input in graph.Input)
        {
            if (initializers.ContainsKey(input.Name)) continue; // an initializer listed as an input: a constant with a default
            var info = ValueInfo(input, "input");
            if (!defined.Add(info.Name)) throw new InvalidDataException($"the graph input '{info.Name}' is defined twice.");
            inputs.Add(info);
            types[info.Name] = info.Type;
        }
        foreach (var value in graph.ValueInfo)
            if (value.Type?.TensorType is { } tensorType && OnnxDataTypes.IsSupported((DataType)tensorType.ElemType))
                types.TryAdd(value.Name, (DataType)tensorType.ElemType);

        var nodes = new List<OnnxGraphNode>(graph.Node.Count);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var n = graph.Node[i];
            string name = !string.IsNullOrEmpty(n.Name) ? n.Name : n.Output.Count > 0 && n.Output[0] != "" ? n.Output[0] : $"#{i}";
            string what = $"node '{name}' ({n.OpType})";
            if (string.IsNullOrEmpty(n.OpType)) throw new InvalidDataException($"node '{name}' has no op_type.");
            foreach (var input in n.Input)
                if (input != "" && !defined.Contains(input))
                    throw new InvalidDataException($"{what} reads '{input}', which no input, initializer or earlier node defines (or the nodes are not in order).");
            foreach (var output in n.Output)
                if (output != "" && !defined.Add(output))
                    throw new InvalidDataException($"{what} writes '{output}', which is already defined; every value is defined once.");
            nodes.Add(new OnnxGraphNode(name, n.OpType, n.Domain, n.Input.ToArray(), n.Output.ToArray(), OnnxAttributes.Read(n.Attribute, what)));
        }

        var outputs = new List<OnnxValueInfo>();
        foreach (var output in graph.Output)
        {
            var info = ValueInfo(output, "output");
            if (!defined.Contains(info.Name)) throw new InvalidDataException($"the graph output '{info.Name}' is not computed by the graph.");
            outputs.Add(info);
            types.TryAdd(info.Name, info.Type);
        }
        if (outputs.Count == 0) throw new InvalidDataException("the graph has no outputs.");
        return new OnnxGraph
        {
            Source = source, Opset = opset, Nodes = nodes, Initializers = initializers, Inputs = inputs, Outputs = outputs, DeclaredTypes = types,
        };
    }

    private static OnnxValueInfo ValueInfo(ValueInfoProto value, string kind)
    {
        if (string.IsNullOrEmpty(value.Name)) throw new InvalidDataException($"a graph {kind} has no name.");
        var tensorType = value.Type?.TensorType;
        if (tensorType is null)
            throw new OnnxUnsupportedException([new OnnxUnsupportedNode($"graph {kind}", value.Name,
                $"it is a {value.Type?.ValueCase.ToString() ?? "value of unknown type"}, not a tensor; DeepSharp models take and give tensors")]);
        var type = (DataType)tensorType.ElemType;
        if (!OnnxDataTypes.IsSupported(type))
            throw new OnnxUnsupportedException([new OnnxUnsupportedNode($"graph {kind}", value.Name, $"its element type {OnnxDataTypes.Name(type)} is not one DeepSharp holds")]);
        OnnxDimension[]? dims = null;
        if (tensorType.Shape is { } shape)
        {
            if (shape.Dim.Count > TensorShape.MaxRank)
                throw new InvalidDataException($"graph {kind} '{value.Name}' has rank {shape.Dim.Count}; DeepSharp's tensors have at most {TensorShape.MaxRank} dimensions.");
            dims = new OnnxDimension[shape.Dim.Count];
            for (int i = 0; i < dims.Length; i++)
            {
                var d = shape.Dim[i];
                if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                {
                    if (d.DimValue < 0 || d.DimValue > OnnxTensorReader.MaxElements)
                        throw new InvalidDataException($"graph {kind} '{value.Name}' has dimension {i} of size {d.DimValue}.");
                    dims[i] = new OnnxDimension((int)d.DimValue, null);
                }
                else dims[i] = new OnnxDimension(null, d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : null);
            }
        }
        return new OnnxValueInfo(value.Name, type, dims);
    }
}

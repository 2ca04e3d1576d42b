using System.Globalization;
using Google.Protobuf;
using DeepSharp.Interop.Onnx.Proto;
using AttributeType = DeepSharp.Interop.Onnx.Proto.AttributeProto.Types.AttributeType;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// The ONNX graph an export writes: nodes in the order they run, initializers, and value names unique across
/// both. Constants that only configure ops (axes, shapes, scalars) are shared, so asking twice for the same
/// one gives the same initializer; a weight tensor written twice (a layer called twice) is stored once.
/// </summary>
internal sealed class OnnxGraphBuilder(int opset)
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<(Tensor, string), string> _weights = [];

    /// <summary>The graph being written.</summary>
    public GraphProto Graph { get; } = new();

    /// <summary>The opset version of ONNX's domain the graph is written for.</summary>
    public int Opset { get; } = opset;

    /// <summary>A value or node name not used yet, from <paramref name="stem"/> ("dense", "dense_1", ...).</summary>
    public string Unique(string stem)
    {
        string name = stem.Length == 0 ? "value" : stem;
        for (int i = 1; !_names.Add(name); i++) name = $"{stem}_{i}";
        return name;
    }

    /// <summary>Whether a name is taken.</summary>
    public bool Taken(string name) => _names.Contains(name);

    /// <summary>
    /// A float initializer holding weight <paramref name="weight"/> rearranged by <paramref name="permutation"/>
    /// (null: as it is) and reshaped to <paramref name="dims"/> (null: its own shape); the same weight asked the
    /// same way twice is one initializer.
    /// </summary>
    public string Weight(string stem, Tensor weight, int[]? permutation = null, int[]? dims = null)
    {
        string key = (permutation is null ? "" : string.Join(",", permutation)) + "|" + (dims is null ? "" : string.Join(",", dims));
        if (_weights.TryGetValue((weight, key), out var known)) return known;
        float[] values;
        int[] shape;
        using (Autograd.NoGrad())
        {
            if (permutation is null)
            {
                values = weight.ToArray();
                shape = weight.Shape.ToArray();
            }
            else
            {
                var moved = Ops.Permute(weight, permutation);
                values = moved.ToArray();
                shape = moved.Shape.ToArray();
                moved.Dispose();
            }
        }
        string name = Initializer(stem, values, dims ?? shape);
        _weights[(weight, key)] = name;
        return name;
    }

    /// <summary>A float initializer of <paramref name="dims"/> holding <paramref name="values"/> (computed weights: recurrent kernels, folded normalizations).</summary>
    public string Initializer(string stem, float[] values, int[] dims, DataType type = DataType.Float)
    {
        string name = Unique(stem);
        Graph.Initializer.Add(OnnxTensorWriter.Write(name, values, dims, type));
        return name;
    }

    /// <summary>A shared 1-D int64 constant (axes, pads, a target shape).</summary>
    public string Longs(params long[] values) => Shared("i64:" + string.Join(",", values), () =>
        OnnxTensorWriter.Write(Unique("const_i64"), values, [values.Length]));

    /// <summary>A shared float scalar of <paramref name="type"/> (a Clip bound, a Pad value, a constant factor).</summary>
    public string Scalar(float value, DataType type = DataType.Float) =>
        Shared($"{(int)type}:{value.ToString("R", CultureInfo.InvariantCulture)}", () => OnnxTensorWriter.Write(Unique("const"), [value], [], type));

    /// <summary>A shared 1-D float constant.</summary>
    public string Floats(params float[] values) =>
        Shared("f:" + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))), () =>
            OnnxTensorWriter.Write(Unique("const_f"), values, [values.Length], DataType.Float));

    private string Shared(string key, Func<TensorProto> create)
    {
        if (_constants.TryGetValue(key, out var known)) return known;
        var tensor = create();
        Graph.Initializer.Add(tensor);
        _constants[key] = tensor.Name;
        return tensor.Name;
    }

    /// <summary>Adds a node of one output; returns the output's name. Null inputs are absent optional inputs.</summary>
    public string Node(string opType, string stem, string?[] inputs, params (string Name, object Value)[] attributes) =>
        Node(opType, stem, inputs, [Unique(stem)], attributes)[0];

    /// <summary>Adds a node writing <paramref name="outputs"/> ("" for an output not asked for).</summary>
    public string[] Node(string opType, string stem, string?[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        int given = inputs.Length;
        while (given > 0 && inputs[given - 1] is null) given--; // trailing absent inputs are left out
        var node = new NodeProto { OpType = opType, Name = Unique(stem + "/" + opType) };
        for (int i = 0; i < given; i++) node.Input.Add(inputs[i] ?? "");
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        Graph.Node.Add(node);
        return outputs;
    }

    /// <summary>An attribute typed as ONNX types its value.</summary>
    public static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long i: a.Type = AttributeType.Int; a.I = i; break;
            case int i: a.Type = AttributeType.Int; a.I = i; break;
            case float f: a.Type = AttributeType.Float; a.F = f; break;
            case string s: a.Type = AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case long[] ints: a.Type = AttributeType.Ints; a.Ints.AddRange(ints); break;
            case int[] ints: a.Type = AttributeType.Ints; a.Ints.AddRange(ints.Select(i => (long)i)); break;
            case float[] floats: a.Type = AttributeType.Floats; a.Floats.AddRange(floats); break;
            case string[] strings: a.Type = AttributeType.Strings; a.Strings.AddRange(strings.Select(ByteString.CopyFromUtf8)); break;
            case OnnxConstant t: a.Type = AttributeType.Tensor; a.T = OnnxTensorWriter.Write("", t.Values, t.Shape, t.Type); break;
            default: throw new ArgumentException($"ONNX attribute '{name}': a {value.GetType().Name} is not an attribute value.");
        }
        return a;
    }

    /// <summary>
    /// Gives the value <paramref name="value"/> the name <paramref name="name"/> everywhere (a graph output is
    /// named after its layer); false when it cannot be renamed (it is a graph input or an initializer).
    /// </summary>
    public bool Rename(string value, string name)
    {
        if (Graph.Input.Any(i => i.Name == value) || Graph.Initializer.Any(i => i.Name == value)) return false;
        bool produced = false;
        foreach (var node in Graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == value) node.Input[i] = name;
            for (int i = 0; i < node.Output.Count; i++)
                if (node.Output[i] == value)
                {
                    node.Output[i] = name;
                    produced = true;
                }
        }
        return produced;
    }

    /// <summary>A float tensor value of the graph's interface: the batch named, the other dimensions fixed unless unknown (then named too).</summary>
    public static ValueInfoProto Value(string name, PartialShape sampleShape, string batch)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        // An unknown (None) dimension is a named one, as PyTorch's dynamic axes: "<value>_dim<axis>", batch axis 0.
        for (int i = 0; i < sampleShape.Rank; i++)
            shape.Dim.Add(sampleShape[i] is { } d
                ? new TensorShapeProto.Types.Dimension { DimValue = d }
                : new TensorShapeProto.Types.Dimension { DimParam = $"{name}_dim{i + 1}" });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } },
        };
    }

    /// <summary>
    /// Checks what ONNX requires of a graph's structure: every name is defined once, and every node reads only
    /// graph inputs, initializers and outputs of nodes before it. A failure is a bug of the exporter.
    /// </summary>
    public void Check()
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in Graph.Input.Select(i => i.Name).Concat(Graph.Initializer.Select(i => i.Name)))
            if (!defined.Add(name)) throw new InvalidOperationException($"ONNX export: '{name}' is defined twice.");
        foreach (var node in Graph.Node)
        {
            foreach (var input in node.Input)
                if (input != "" && !defined.Contains(input))
                    throw new InvalidOperationException($"ONNX export: node '{node.Name}' ({node.OpType}) reads '{input}' before it is defined.");
            foreach (var output in node.Output)
                if (output != "" && !defined.Add(output))
                    throw new InvalidOperationException($"ONNX export: node '{node.Name}' ({node.OpType}) writes '{output}', which is already defined.");
        }
        foreach (var output in Graph.Output)
            if (!defined.Contains(output.Name)) throw new InvalidOperationException($"ONNX export: graph output '{output.Name}' is never computed.");
    }
}

using System.Text.Json.Nodes;
using DeepSharp.Interop.Onnx.Proto;
using AttributeType = DeepSharp.Interop.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// The attributes of one ONNX node, typed as ONNX types them (int, float, string, their lists, tensors), with
/// ONNX's defaults supplied by whoever reads them. They round-trip through JSON so that an imported node saved
/// in DeepSharp's format is recreated exactly.
/// </summary>
internal sealed class OnnxAttributes
{
    private readonly Dictionary<string, object> _values;

    private OnnxAttributes(Dictionary<string, object> values) => _values = values;

    /// <summary>No attributes.</summary>
    public static OnnxAttributes Empty => new([]);

    /// <summary>The attribute names, in the order they were given.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>Reads a node's attributes; <paramref name="node"/> names it in messages.</summary>
    public static OnnxAttributes Read(IEnumerable<AttributeProto> attributes, string node)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var a in attributes)
        {
            if (string.IsNullOrEmpty(a.Name)) throw new InvalidDataException($"{node}: an attribute has no name.");
            if (!string.IsNullOrEmpty(a.RefAttrName))
                throw new InvalidDataException($"{node}: attribute '{a.Name}' refers to a function attribute; only graphs, not functions, are imported.");
            object value = a.Type switch
            {
                AttributeType.Int => a.I,
                AttributeType.Float => a.F,
                AttributeType.String => a.S.ToStringUtf8(),
                AttributeType.Ints => a.Ints.ToArray(),
                AttributeType.Floats => a.Floats.ToArray(),
                AttributeType.Strings => a.Strings.Select(s => s.ToStringUtf8()).ToArray(),
                AttributeType.Tensor => OnnxTensorReader.Read(a.T ?? throw new InvalidDataException($"{node}: tensor attribute '{a.Name}' holds no tensor."), $"{node}, attribute '{a.Name}'"),
                AttributeType.Graph or AttributeType.Graphs => new Unsupported("a subgraph"),
                AttributeType.SparseTensor or AttributeType.SparseTensors => new Unsupported("a sparse tensor"),
                AttributeType.Tensors => new Unsupported("a list of tensors"),
                AttributeType.TypeProto or AttributeType.TypeProtos => new Unsupported("a type"),
                _ => throw new InvalidDataException($"{node}: attribute '{a.Name}' has no valid type ({(int)a.Type})."),
            };
            if (!values.TryAdd(a.Name, value)) throw new InvalidDataException($"{node}: attribute '{a.Name}' is given twice.");
        }
        return new OnnxAttributes(values);
    }

    /// <summary>Whether the attribute is present.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>An int attribute, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback) => _values.TryGetValue(name, out var v) ? As<long>(name, v, "an int") : fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    public float Float(string name, float fallback) => _values.TryGetValue(name, out var v) ? As<float>(name, v, "a float") : fallback;

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    public string String(string name, string fallback) => _values.TryGetValue(name, out var v) ? As<string>(name, v, "a string") : fallback;

    /// <summary>An ints attribute, or null when absent.</summary>
    public long[]? Ints(string name) => _values.TryGetValue(name, out var v) ? As<long[]>(name, v, "a list of ints") : null;

    /// <summary>A floats attribute, or null when absent.</summary>
    public float[]? Floats(string name) => _values.TryGetValue(name, out var v) ? As<float[]>(name, v, "a list of floats") : null;

    /// <summary>A strings attribute, or null when absent.</summary>
    public string[]? Strings(string name) => _values.TryGetValue(name, out var v) ? As<string[]>(name, v, "a list of strings") : null;

    /// <summary>A tensor attribute, or null when absent.</summary>
    public OnnxConstant? Tensor(string name) => _values.TryGetValue(name, out var v) ? As<OnnxConstant>(name, v, "a tensor") : null;

    /// <summary>Each attribute and its value (a long, float, string, an array of them, or an <see cref="OnnxConstant"/>), as an export writes them back.</summary>
    public IEnumerable<(string Name, object Value)> Entries => _values.Select(p => (p.Key, p.Value));

    /// <summary>A copy without attribute <paramref name="name"/> (an export moving it to an input).</summary>
    public OnnxAttributes Without(string name)
    {
        var copy = new Dictionary<string, object>(_values, StringComparer.Ordinal);
        copy.Remove(name);
        return new OnnxAttributes(copy);
    }

    /// <summary>A copy with one attribute set (the importer's layout rewrites: a Concat's axis, a Pad's pads).</summary>
    public OnnxAttributes With(string name, object value)
    {
        var copy = new Dictionary<string, object>(_values, StringComparer.Ordinal) { [name] = value };
        return new OnnxAttributes(copy);
    }

    private static T As<T>(string name, object value, string kind) => value switch
    {
        T typed => typed,
        Unsupported u => throw new NotSupportedException($"attribute '{name}' holds {u.What}, which DeepSharp does not import"),
        _ => throw new InvalidDataException($"attribute '{name}' must be {kind}."),
    };

    /// <summary>The attributes as JSON: each value under a key naming its ONNX type ("i", "f", "s", "ints", "floats", "strings", "t").</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (name, value) in _values)
        {
            json[name] = value switch
            {
                long i => new JsonObject { ["i"] = i },
                float f => new JsonObject { ["f"] = f },
                string s => new JsonObject { ["s"] = s },
                long[] ints => new JsonObject { ["ints"] = new JsonArray(ints.Select(i => (JsonNode?)i).ToArray()) },
                float[] floats => new JsonObject { ["floats"] = new JsonArray(floats.Select(f => (JsonNode?)f).ToArray()) },
                string[] strings => new JsonObject { ["strings"] = new JsonArray(strings.Select(s => (JsonNode?)s).ToArray()) },
                OnnxConstant t => new JsonObject
                {
                    ["t"] = new JsonObject
                    {
                        ["type"] = OnnxDataTypes.Name(t.Type),
                        ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode?)d).ToArray()),
                        ["values"] = new JsonArray(t.Values.Select(v => (JsonNode?)v).ToArray()),
                    },
                },
                Unsupported u => throw new NotSupportedException($"attribute '{name}' holds {u.What}, which cannot be saved"),
                _ => throw new InvalidOperationException($"attribute '{name}' has an unexpected value."),
            };
        }
        return json;
    }

    /// <summary>Reads attributes written by <see cref="ToJson"/>; throws <see cref="FormatException"/> on anything else.</summary>
    public static OnnxAttributes FromJson(JsonObject json)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, node) in json)
        {
            if (node is not JsonObject { Count: 1 } typed) throw new FormatException($"OnnxNode: attribute '{name}' must be an object with one typed value.");
            var (kind, value) = typed.First();
            values[name] = kind switch
            {
                "i" => value!.GetValue<long>(),
                "f" => value!.GetValue<float>(),
                "s" => value!.GetValue<string>(),
                "ints" => ((JsonArray)value!).Select(v => v!.GetValue<long>()).ToArray(),
                "floats" => ((JsonArray)value!).Select(v => v!.GetValue<float>()).ToArray(),
                "strings" => ((JsonArray)value!).Select(v => v!.GetValue<string>()).ToArray(),
                "t" => Tensor(value as JsonObject ?? throw new FormatException($"OnnxNode: tensor attribute '{name}' is not an object."), name),
                _ => throw new FormatException($"OnnxNode: attribute '{name}' has unknown kind '{kind}'."),
            };
        }
        return new OnnxAttributes(values);
    }

    private static OnnxConstant Tensor(JsonObject json, string name)
    {
        var values = (json["values"] as JsonArray ?? throw new FormatException($"OnnxNode: tensor attribute '{name}' has no values.")).Select(v => v!.GetValue<float>()).ToArray();
        var shape = (json["shape"] as JsonArray ?? throw new FormatException($"OnnxNode: tensor attribute '{name}' has no shape.")).Select(v => v!.GetValue<int>()).ToArray();
        if (shape.Any(d => d < 0) || shape.Aggregate(1L, (a, d) => a * d) != values.Length)
            throw new FormatException($"OnnxNode: tensor attribute '{name}' has shape [{string.Join(", ", shape)}] but {values.Length} values.");
        return new OnnxConstant(values, shape, OnnxDataTypes.Parse(json["type"]?.GetValue<string>() ?? "FLOAT"));
    }

    private sealed record Unsupported(string What);
}

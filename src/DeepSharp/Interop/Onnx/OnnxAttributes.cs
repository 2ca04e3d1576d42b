using System.Text.Json.Nodes;
using DeepSharp.Interop.Onnx.Proto;
using AttributeType = DeepSharp.Interop.Onnx.Proto.AttributeProto.Types.AttributeType;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

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

    /// <summary>
    /// Reads attributes written by <see cref="ToJson"/>, strictly: each one an object of exactly one typed value
    /// whose JSON type is the one its key names; throws <see cref="FormatException"/> naming <paramref name="owner"/>
    /// and the attribute on anything else.
    /// </summary>
    public static OnnxAttributes FromJson(JsonObject json, string owner)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, node) in json)
        {
            string where = $"{owner} '{name}'";
            if (node is not JsonObject { Count: 1 } typed)
                throw new FormatException($"{where}: the saved value is {ConfigReader.Found(node)}; expected an object of one typed value such as {{\"i\": 1}}.");
            var (kind, value) = typed.First();
            var r = new ConfigReader(typed, where);
            values[name] = kind switch
            {
                "i" => r.Value<long>(kind, value),
                "f" => r.Value<float>(kind, value),
                "s" => r.Value<string>(kind, value),
                "ints" => List(r, kind, value, (k, v) => r.Value<long>(k, v)),
                "floats" => List(r, kind, value, (k, v) => r.Value<float>(k, v)),
                "strings" => List(r, kind, value, (k, v) => r.Value<string>(k, v)),
                "t" => Tensor(new ConfigReader(value as JsonObject ?? throw r.Invalid(kind, value, "an object {\"type\", \"shape\", \"values\"}"), $"{where}.t")),
                _ => throw new FormatException($"{where}: unknown kind '{kind}'; expected i, f, s, ints, floats, strings or t."),
            };
        }
        return new OnnxAttributes(values);
    }

    private static T[] List<T>(ConfigReader r, string key, JsonNode? node, Func<string, JsonNode?, T> item)
    {
        if (node is not JsonArray array) throw r.Invalid(key, node, "an array");
        var values = new T[array.Count];
        for (int i = 0; i < values.Length; i++) values[i] = item(key, array[i]);
        return values;
    }

    private static OnnxConstant Tensor(ConfigReader r)
    {
        string typeName = r.Required<string>("type");
        DataType type;
        try
        {
            type = OnnxDataTypes.Parse(typeName);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{r.Owner}: {e.Message}", e);
        }
        if (!r.TryGet("shape", out var shapeNode)) throw r.Missing("shape");
        var shape = r.Shape("shape", shapeNode);
        if (!r.TryGet("values", out var valuesNode)) throw r.Missing("values");
        var values = List(r, "values", valuesNode, (k, v) => r.Value<float>(k, v));
        if (shape.LongSize != values.Length)
            throw r.Invalid("shape", shapeNode, $"the shape of its {values.Length} values");
        return r.Finish(new OnnxConstant(values, shape.ToArray(), type));
    }

    private sealed record Unsupported(string What);
}

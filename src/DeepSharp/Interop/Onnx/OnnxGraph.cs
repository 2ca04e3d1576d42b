using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// An ONNX graph as the importer works on it, checked by <see cref="OnnxModelReader"/>: nodes in an order in
/// which every input is defined before it is read, the initializers as constants, and the graph's inputs
/// (those that are not initializers) and outputs with their types and shapes.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>Where the graph came from, for messages.</summary>
    public required string Source { get; init; }

    /// <summary>The opset version of ONNX's own domain.</summary>
    public required int Opset { get; init; }

    /// <summary>The nodes, topologically ordered.</summary>
    public required IReadOnlyList<OnnxGraphNode> Nodes { get; init; }

    /// <summary>The initializers by name.</summary>
    public required IReadOnlyDictionary<string, OnnxConstant> Initializers { get; init; }

    /// <summary>The graph's inputs that are fed at run time (initializers excluded).</summary>
    public required IReadOnlyList<OnnxValueInfo> Inputs { get; init; }

    /// <summary>The graph's outputs.</summary>
    public required IReadOnlyList<OnnxValueInfo> Outputs { get; init; }

    /// <summary>Element types the file declares for values (inputs, outputs, value_info).</summary>
    public required IReadOnlyDictionary<string, DataType> DeclaredTypes { get; init; }
}

/// <summary>One node of an <see cref="OnnxGraph"/>; empty input names are absent optional inputs.</summary>
internal sealed record OnnxGraphNode(string Name, string OpType, string Domain, string[] Inputs, string[] Outputs, OnnxAttributes Attributes)
{
    /// <summary>The op type with its domain when that is not ONNX's own ("com.microsoft.Gelu").</summary>
    public string QualifiedOpType => Domain is "" or "ai.onnx" ? OpType : $"{Domain}.{OpType}";

    /// <summary>"Conv 'conv1'" for messages.</summary>
    public override string ToString() => $"{QualifiedOpType} '{Name}'";
}

/// <summary>A graph input or output: its name, element type and dimensions (a dimension is a number or a name such as "batch").</summary>
internal sealed record OnnxValueInfo(string Name, DataType Type, OnnxDimension[]? Dims);

/// <summary>One dimension of a declared shape: a size, or a symbolic name (or neither when unknown).</summary>
internal readonly record struct OnnxDimension(int? Size, string? Symbol)
{
    /// <summary>"batch", "28" or "?".</summary>
    public override string ToString() => Size?.ToString() ?? Symbol ?? "?";
}

namespace DeepSharp;

/// <summary>
/// Why an ONNX model cannot be imported when it uses operators (or attribute values, or element types) that
/// DeepSharp's importer does not support: every such node, listed at once, before anything runs. The importer
/// reports it as the inner exception of the <see cref="InvalidDataException"/> it throws for every file it
/// cannot load, whose message repeats the list.
/// </summary>
public sealed class OnnxUnsupportedException : NotSupportedException
{
    /// <summary>Creates the exception for the listed nodes.</summary>
    public OnnxUnsupportedException(IReadOnlyList<OnnxUnsupportedNode> nodes)
        : base(Describe(nodes)) => Nodes = nodes;

    /// <summary>Every node that cannot be imported, in graph order.</summary>
    public IReadOnlyList<OnnxUnsupportedNode> Nodes { get; }

    private static string Describe(IReadOnlyList<OnnxUnsupportedNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var ops = string.Join(", ", nodes.Select(n => n.OpType).Distinct());
        var lines = string.Join(Environment.NewLine, nodes.Select(n => $"  {n.OpType} '{n.NodeName}': {n.Reason}"));
        return $"the model uses {nodes.Count} node(s) that DeepSharp cannot import ({ops}):{Environment.NewLine}{lines}";
    }
}

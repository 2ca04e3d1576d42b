namespace DeepSharp;

/// <summary>One node of an ONNX graph that DeepSharp's importer does not support, and why.</summary>
/// <param name="OpType">The operator ("NonMaxSuppression"), with its domain when it is not ONNX's own.</param>
/// <param name="NodeName">The node's name in the graph (or its first output's name when it has none).</param>
/// <param name="Reason">Why it cannot be imported.</param>
public sealed record OnnxUnsupportedNode(string OpType, string NodeName, string Reason);

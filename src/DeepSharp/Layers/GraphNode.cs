namespace DeepSharp;

/// <summary>
/// One call of a layer on symbolic tensors, as Keras' <c>Node</c>: the layer, the tensors it took and the ones it made.
/// Layers keep their calls (a layer called twice shares its weights between both), and a functional model is the set
/// of calls between its inputs and outputs (<see cref="Model.Nodes"/>), read-only for those who walk the graph.
/// </summary>
public sealed class GraphNode
{
    private GraphNode(Layer layer, SymbolicTensor[] inputs, CallKeywords? keywords)
    {
        Layer = layer;
        Inputs = inputs;
        Keywords = keywords;
        Arguments = keywords is null ? inputs : inputs[..keywords.Positional];
        Outputs = [];
    }

    /// <summary>The layer called.</summary>
    public Layer Layer { get; }

    /// <summary>What the layer was called on: its input, or its list (a merge's inputs; attention's query, value and key).</summary>
    public IReadOnlyList<SymbolicTensor> Arguments { get; }

    /// <summary>Every tensor the call reads: <see cref="Arguments"/>, then keyword tensors (an attention mask).</summary>
    public IReadOnlyList<SymbolicTensor> InputTensors => Inputs;

    /// <summary>The tensors the call made (attention asked for its scores makes two).</summary>
    public IReadOnlyList<SymbolicTensor> OutputTensors => Outputs;

    internal SymbolicTensor[] Inputs { get; }

    internal SymbolicTensor[] Outputs { get; private set; }

    /// <summary>The call's keyword arguments (masks, flags), or null for a call with its input list alone.</summary>
    internal CallKeywords? Keywords { get; }

    /// <summary>Records a call of <paramref name="layer"/> producing tensors of <paramref name="outputShapes"/>.</summary>
    internal static GraphNode Create(Layer layer, SymbolicTensor[] inputs, ReadOnlySpan<PartialShape> outputShapes, CallKeywords? keywords = null)
    {
        var node = new GraphNode(layer, inputs, keywords);
        var outputs = new SymbolicTensor[outputShapes.Length];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = new SymbolicTensor(outputShapes[i], node, i);
        node.Outputs = outputs;
        return node;
    }
}

namespace DeepSharp;

/// <summary>
/// One call of a layer on symbolic tensors: the layer, the tensors it took and the ones it made. Layers keep
/// their calls (a layer called twice shares its weights between both), and a functional model is the set of
/// calls between its inputs and outputs.
/// </summary>
internal sealed class GraphNode
{
    private GraphNode(Layer layer, SymbolicTensor[] inputs, CallKeywords? keywords)
    {
        Layer = layer;
        Inputs = inputs;
        Keywords = keywords;
        Outputs = [];
    }

    internal Layer Layer { get; }

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

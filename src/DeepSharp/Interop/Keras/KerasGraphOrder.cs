namespace DeepSharp;

/// <summary>
/// The order in which Keras 3 lists a functional model's layers (keras/src/ops/function.py, map_graph): a
/// depth-first walk from the outputs numbers the layers as first met and puts every call after the calls it
/// reads from; a call's depth is its longest distance from an output; layers go from the deepest to depth 0,
/// ties in the order first met. Keras names the weights of a functional model's layers in this order, so a
/// file DeepSharp writes must follow it.
/// </summary>
internal static class KerasGraphOrder
{
    /// <summary>The calls of the graph (inputs included), each after those it reads from, and the layers in Keras' order.</summary>
    internal static (List<GraphNode> Calls, List<Layer> Layers) Of(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs)
    {
        var calls = new List<GraphNode>();
        var finished = new HashSet<GraphNode>(ReferenceEqualityComparer.Instance);
        var firstMet = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        foreach (var output in outputs) Visit(output.Node, calls, finished, firstMet);

        var callDepth = new Dictionary<GraphNode, int>(ReferenceEqualityComparer.Instance);
        var layerDepth = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        for (int i = calls.Count - 1; i >= 0; i--)
        {
            var call = calls[i];
            int depth = callDepth.TryGetValue(call, out int d) ? d : 0;
            depth = Math.Max(depth, layerDepth.GetValueOrDefault(call.Layer));
            layerDepth[call.Layer] = depth;
            callDepth[call] = depth;
            foreach (var input in call.Inputs)
                callDepth[input.Node] = Math.Max(depth + 1, callDepth.GetValueOrDefault(input.Node));
        }
        foreach (var input in inputs)
            if (!layerDepth.ContainsKey(input.Layer))
            {
                layerDepth[input.Layer] = 0;
                firstMet[input.Layer] = -1;
            }
        var layers = layerDepth.Keys.OrderByDescending(l => layerDepth[l]).ThenBy(l => firstMet[l]).ToList();
        return (calls, layers);
    }

    private static void Visit(GraphNode call, List<GraphNode> calls, HashSet<GraphNode> finished, Dictionary<Layer, int> firstMet)
    {
        if (finished.Contains(call)) return;
        firstMet.TryAdd(call.Layer, firstMet.Count);
        if (call.Layer is not Input)
            foreach (var input in call.Inputs) Visit(input.Node, calls, finished, firstMet);
        finished.Add(call);
        calls.Add(call);
    }
}

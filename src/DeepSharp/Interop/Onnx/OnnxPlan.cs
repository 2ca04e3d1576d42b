namespace DeepSharp.Interop.Onnx;

/// <summary>
/// An imported graph as calls of DeepSharp layers: the inputs (per-sample shapes in the model's layout), the
/// steps in order (a layer, the tensors it reads, the tensors it writes) and the outputs. Run directly, it
/// evaluates the graph on tensors of any shapes (ONNX's node tests do that); <see cref="BuildModel"/> makes it
/// a functional <see cref="Model"/>.
/// </summary>
internal sealed class OnnxPlan
{
    /// <summary>A graph input: its ONNX name, the model tensor's id, and its per-sample shape.</summary>
    public sealed record PlanInput(string Name, string Id, TensorShape SampleShape);

    /// <summary>
    /// One layer call. An <see cref="OnnxNode"/> step may write several outputs (null where an ONNX output is
    /// unused); other layers write one.
    /// </summary>
    public sealed record PlanStep(Layer Layer, string[] Inputs, string?[] Outputs);

    public List<PlanInput> Inputs { get; } = [];

    public List<PlanStep> Steps { get; } = [];

    /// <summary>The graph outputs: their ONNX names and the ids of the tensors that hold them.</summary>
    public List<(string Name, string Id)> Outputs { get; } = [];

    /// <summary>Evaluates the graph on one tensor per input (in <see cref="Inputs"/> order); returns one tensor per output.</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != Inputs.Count) throw new ArgumentException($"The graph takes {Inputs.Count} input(s); got {inputs.Count}.");
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Count; i++) values[Inputs[i].Id] = inputs[i];
        foreach (var step in Steps)
        {
            var arguments = new Tensor[step.Inputs.Length];
            for (int i = 0; i < arguments.Length; i++) arguments[i] = values[step.Inputs[i]];
            if (step.Layer is OnnxNode node)
            {
                var outputs = node.RunAll(arguments);
                for (int i = 0; i < step.Outputs.Length; i++)
                    if (step.Outputs[i] is { } id)
                        values[id] = i < outputs.Length ? outputs[i] : throw new InvalidDataException($"{node.OpType} '{node.Name}' gives {outputs.Length} outputs; output {i} is read.");
            }
            else values[step.Outputs[0]!] = step.Layer.Call(arguments[0]);
        }
        return Outputs.Select(o => values[o.Id]).ToArray();
    }

    /// <summary>The functional model that makes the same calls.</summary>
    public Model BuildModel(string name)
    {
        var symbols = new Dictionary<string, SymbolicTensor>(StringComparer.Ordinal);
        // Only what the outputs need: steps the importer added that a recognized layer made redundant (the shape
        // arithmetic before a flattening Reshape, say) and inputs nothing needs are left out.
        var used = new HashSet<string>(Outputs.Select(o => o.Id), StringComparer.Ordinal);
        var needed = new HashSet<PlanStep>(ReferenceEqualityComparer.Instance);
        for (int i = Steps.Count - 1; i >= 0; i--)
        {
            if (!Steps[i].Outputs.Any(o => o is not null && used.Contains(o))) continue;
            needed.Add(Steps[i]);
            used.UnionWith(Steps[i].Inputs);
        }
        var inputs = new List<SymbolicTensor>();
        foreach (var input in Inputs)
        {
            if (!used.Contains(input.Id)) continue; // ONNX allows inputs no output needs; a functional model does not
            var symbol = new Input(input.SampleShape, input.Id).Output;
            symbols[input.Id] = symbol;
            inputs.Add(symbol);
        }
        if (inputs.Count == 0) throw new InvalidDataException("the graph's outputs do not depend on any input; there is nothing for a model to compute.");
        foreach (var step in Steps)
        {
            if (!needed.Contains(step)) continue;
            var arguments = step.Inputs.Select(i => symbols[i]).ToArray();
            if (step.Layer is OnnxNode node)
            {
                for (int i = 0; i < step.Outputs.Length; i++)
                    if (step.Outputs[i] is { } id && used.Contains(id))
                        symbols[id] = (i == node.OutputIndex ? node : node.ForOutput(i, $"{node.Name}_output{i}")).Call(arguments);
            }
            else symbols[step.Outputs[0]!] = step.Layer.Call(arguments[0]);
        }
        return new Model(inputs, Outputs.Select(o => symbols[o.Id]).ToList(), name);
    }
}

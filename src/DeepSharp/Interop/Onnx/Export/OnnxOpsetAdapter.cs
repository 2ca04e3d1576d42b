using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// Rewrites an imported node written for one opset into the form another opset reads, as an export writes one
/// graph of one opset from nodes of several (a file's own, and the importer's, which writes some nodes in older
/// forms). Where an op's inputs and attributes are the same in both opsets the node is kept; where they changed
/// — an attribute became an input (axes, pads, bounds, shapes), or a softmax stopped flattening — it is
/// rewritten when the two forms say the same thing, and refused otherwise.
/// </summary>
internal static class OnnxOpsetAdapter
{
    /// <summary>One input of a node being written: a graph value, a constant, or absent (both null).</summary>
    internal readonly record struct NodeInput(OnnxExportValue? Value, OnnxConstant? Constant, DataType Type)
    {
        public static NodeInput Absent => new(null, null, DataType.Undefined);

        public static NodeInput Of(OnnxConstant constant) => new(null, constant, constant.Type);

        public bool IsAbsent => Value is null && Constant is null;
    }

    private static readonly HashSet<string> Reductions = new(StringComparer.Ordinal)
    {
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
    };

    /// <summary>
    /// The attributes and inputs of <paramref name="op"/> (written for opset <paramref name="from"/>) as opset
    /// <paramref name="to"/> reads them; <paramref name="rank"/> is the rank of its first input. Throws
    /// <see cref="NotSupportedException"/> when they cannot say the same thing.
    /// </summary>
    public static (OnnxAttributes Attributes, List<NodeInput> Inputs) Adapt(string op, int from, int to, OnnxAttributes attributes, List<NodeInput> inputs, int rank)
    {
        int before = OnnxOperators.Since(op, from), after = OnnxOperators.Since(op, to);
        if (before == after) return (attributes, inputs);
        var a = attributes;
        var x = new List<NodeInput>(inputs);
        bool upgrade = from < to;
        switch (op)
        {
            case "Squeeze" or "Unsqueeze" when upgrade:
                ToInput(ref a, x, "axes", 1);
                return (a, x);
            case "Split" when upgrade:
                ToInput(ref a, x, "split", 1);
                return (a, x);
            case "Reshape" when upgrade:
                ToInput(ref a, x, "shape", 1);
                return (a, x);
            case var reduction when Reductions.Contains(reduction):
                if (upgrade) ToInput(ref a, x, "axes", 1);
                else ToAttribute(ref a, x, "axes", 1, op, from);
                return (a, x);
            case "Slice" when upgrade:
                Place(x, 1, Longs(a.Ints("starts"), "starts", op));
                Place(x, 2, Longs(a.Ints("ends"), "ends", op));
                if (a.Ints("axes") is { } axes) Place(x, 3, Longs(axes, "axes", op));
                a = a.Without("starts").Without("ends").Without("axes");
                return (a, x);
            case "Pad" when upgrade:
                Place(x, 1, Longs(a.Ints("pads"), "pads", op));
                Place(x, 2, NodeInput.Of(new OnnxConstant([a.Float("value", 0f)], [], x[0].Type)));
                a = a.Without("pads").Without("value");
                return (a, x);
            case "Clip" when upgrade:
                if (a.Has("min")) Place(x, 1, NodeInput.Of(new OnnxConstant([a.Float("min", 0f)], [], x[0].Type)));
                if (a.Has("max")) Place(x, 2, NodeInput.Of(new OnnxConstant([a.Float("max", 0f)], [], x[0].Type)));
                a = a.Without("min").Without("max");
                return (a, x);
            case "Dropout" when upgrade:
                Place(x, 1, NodeInput.Of(new OnnxConstant([a.Float("ratio", 0.5f)], [], DataType.Float)));
                a = a.Without("ratio").Without("is_test").Without("consumed_inputs");
                return (a, x);
            case "Softmax" or "LogSoftmax" or "Hardmax" when upgrade:
                // Before opset 13 the input is a matrix of the axes before 'axis' by the rest: the same only over the last axis.
                long axis = a.Int("axis", 1);
                if (axis == -1 || axis == rank - 1) return (a.With("axis", -1L), x);
                throw new NotSupportedException(
                    $"{op} of opset {from} normalizes over axes {axis} to {rank - 1} together, which opset {to}'s {op} (one axis) cannot say");
        }
        throw new NotSupportedException($"{op} of opset {from} reads its inputs or attributes differently at opset {to}, and the exporter does not rewrite it; " +
            $"export with Opset = {Math.Clamp(from, OnnxExportOptions.MinOpset, OnnxExportOptions.MaxOpset)}");
    }

    /// <summary>Moves attribute <paramref name="name"/> (ints) to input <paramref name="index"/> as an int64 constant.</summary>
    private static void ToInput(ref OnnxAttributes a, List<NodeInput> inputs, string name, int index)
    {
        if (a.Ints(name) is { } values) Place(inputs, index, Longs(values, name, ""));
        a = a.Without(name);
    }

    /// <summary>Moves constant input <paramref name="index"/> to attribute <paramref name="name"/> (an export to an older opset).</summary>
    private static void ToAttribute(ref OnnxAttributes a, List<NodeInput> inputs, string name, int index, string op, int from)
    {
        if (index >= inputs.Count || inputs[index].IsAbsent) return;
        var constant = inputs[index].Constant ?? throw new NotSupportedException(
            $"{op} of opset {from} computes its {name} in the graph, and the attribute an older opset needs must be a constant");
        a = a.With(name, constant.Values.Select(OnnxDataTypes.ToLong).ToArray());
        inputs.RemoveRange(index, inputs.Count - index);
    }

    private static NodeInput Longs(long[]? values, string name, string op) =>
        values is null ? throw new NotSupportedException($"{op} has no '{name}' attribute")
            : NodeInput.Of(new OnnxConstant(values.Select(v => (float)v).ToArray(), [values.Length], DataType.Int64));

    private static void Place(List<NodeInput> inputs, int index, NodeInput input)
    {
        while (inputs.Count <= index) inputs.Add(NodeInput.Absent);
        inputs[index] = input;
    }
}

namespace DeepSharp.Interop.Onnx;

// Nodes that can work on a tensor held in another layout than ONNX's without moving it back: elementwise ops
// (constants permuted to match), ops with an axis (the axis renumbered), and the spatial ops on NHWC images.
internal sealed partial class OnnxPlanBuilder
{
    private static readonly HashSet<string> Elementwise = new(StringComparer.Ordinal)
    {
        "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "ThresholdedRelu",
        "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Sign", "Erf", "Floor", "Ceil", "Round", "Not", "IsNaN", "Clip", "Cast", "Shrink",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual",
        "And", "Or", "Xor", "Where", "PRelu",
    };

    private static readonly HashSet<string> Spatial = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "InstanceNormalization",
    };

    private static readonly HashSet<string> Reductions = new(StringComparer.Ordinal)
    {
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
    };

    /// <summary>Adds <paramref name="node"/> on its input's own layout when that is possible; false to take the general path.</summary>
    private bool KeepLayout(OnnxGraphNode node)
    {
        var dynamic = Enumerable.Range(0, node.Inputs.Length).Where(i => node.Inputs[i] != "" && !_import.Constants.ContainsKey(node.Inputs[i])).ToList();
        if (dynamic.Count == 0) return false;
        var layout = _reps[node.Inputs[dynamic[0]]].Layout;
        if (!layout.IsPermutation || dynamic.Any(i => _reps[node.Inputs[i]].Layout != layout)) return false;
        var p = layout.Permutation!;
        int rank = p.Length;
        var outputs = node.Outputs.Select(_ => layout).ToArray();

        if (Elementwise.Contains(node.OpType) && dynamic is [0])
        {
            AddNode(node, node.OpType, _graph.Opset, node.Attributes, false, Slots(node, p, permuteConstants: false), outputs);
            return true;
        }
        if (Broadcasting.Contains(node.OpType))
        {
            if (dynamic.Any(i => _import.Shapes![node.Inputs[i]].First.Length != rank)) return false;
            if (node.Inputs.Any(i => i != "" && _import.Constants.TryGetValue(i, out var c) && c.Shape.Length > rank)) return false;
            AddNode(node, node.OpType, _graph.Opset, node.Attributes, false, Slots(node, p, permuteConstants: true), outputs);
            return true;
        }
        if (node.OpType == "Concat" && dynamic.Count == node.Inputs.Count(i => i != ""))
        {
            long axis = OnnxValues.Axis(node.Attributes.Int("axis", 1), rank, "Concat");
            AddNode(node, "Concat", _graph.Opset, node.Attributes.With("axis", (long)p[axis]), false, Slots(node, p, false), outputs);
            return true;
        }
        if (node.OpType is "Softmax" or "LogSoftmax" && _graph.Opset >= 13)
        {
            long axis = OnnxValues.Axis(node.Attributes.Int("axis", -1), rank, node.OpType);
            AddNode(node, node.OpType, _graph.Opset, node.Attributes.With("axis", (long)p[axis]), false, Slots(node, p, false), outputs);
            return true;
        }
        if (node.OpType == "Pad" && dynamic is [0] && PadsOf(node) is { } pads && node.Attributes.String("mode", "constant") is var mode)
        {
            var moved = new long[2 * rank];
            for (int i = 0; i < rank; i++)
            {
                int j = p[i];
                moved[j] = pads[i];
                moved[j + rank] = pads[i + rank];
            }
            float value = _graph.Opset >= 11 && node.Inputs.Length > 2 && node.Inputs[2] != "" ? _import.Constants[node.Inputs[2]].Values[0] : node.Attributes.Float("value", 0f);
            var attributes = Attributes(("pads", moved), ("mode", mode), ("value", value));
            AddNode(node, "Pad", 2, attributes, false, [Slot(node, 0)], outputs);
            return true;
        }
        if (Reductions.Contains(node.OpType) && dynamic is [0] && node.Attributes.Int("keepdims", 1) != 0 && ReduceAxes(node) is { } axes)
        {
            var moved = axes.Select(a => (long)p[OnnxValues.Axis(a, rank, node.OpType)]).ToArray();
            AddNode(node, node.OpType, 11, Attributes(("axes", moved), ("keepdims", 1L)), false, [Slot(node, 0)], outputs);
            return true;
        }
        if (Spatial.Contains(node.OpType) && dynamic is [0] && p.SequenceEqual(Nhwc))
        {
            AddNode(node, node.OpType, _graph.Opset, node.Attributes, channelsLast: true, Slots(node, p, permuteConstants: false), outputs);
            return true;
        }
        return false;
    }

    /// <summary>The slots of a node whose dynamic inputs are read in their model layout; constants permuted to it when asked.</summary>
    private SlotSource[] Slots(OnnxGraphNode node, int[] permutation, bool permuteConstants)
    {
        var slots = new SlotSource[node.Inputs.Length];
        for (int i = 0; i < slots.Length; i++)
        {
            string name = node.Inputs[i];
            if (name == "") slots[i] = SlotSource.Absent;
            else if (_import.Constants.TryGetValue(name, out var c))
                slots[i] = SlotSource.Weight(name, permuteConstants ? Broadcast(c, permutation) : c, Trainable(node, i, name));
            else slots[i] = SlotSource.Input(_reps[name].Id, _import.Types[name]);
        }
        return slots;
    }

    private SlotSource Slot(OnnxGraphNode node, int index) => SlotSource.Input(_reps[node.Inputs[index]].Id, _import.Types[node.Inputs[index]]);

    /// <summary>A constant broadcast against an ONNX value held as tensor.permute(p): its axes moved the same way.</summary>
    private static OnnxConstant Broadcast(OnnxConstant c, int[] p)
    {
        if (c.Shape.Length == 0 || c.Values.Length == 1) return c;
        var onnxShape = Enumerable.Repeat(1, p.Length - c.Shape.Length).Concat(c.Shape).ToArray();
        return Rearranged(new OnnxConstant(c.Values, onnxShape, c.Type), p);
    }

    /// <summary>The constant T with c = T.permute(p): c's values with its axes moved (an OIHW kernel as HWIO with p = [3, 2, 0, 1]).</summary>
    private static OnnxConstant Rearranged(OnnxConstant c, int[] p)
    {
        int rank = p.Length;
        var onnxShape = c.Shape;
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) shape[p[i]] = onnxShape[i];
        // The tensor's axis p[i] is ONNX's axis i: tensor[..] = onnx[index with axes mapped back].
        var values = new float[c.Values.Length];
        var onnxStrides = Strides(onnxShape);
        var index = new int[rank];
        for (int flat = 0; flat < values.Length; flat++)
        {
            int rest = flat;
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            int source = 0;
            for (int i = 0; i < rank; i++) source += index[p[i]] * onnxStrides[i];
            values[flat] = c.Values[source];
        }
        return new OnnxConstant(values, shape, c.Type);
    }

    private static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }
        return strides;
    }

    /// <summary>A Pad node's pads when they are known at import (attribute or constant input).</summary>
    private long[]? PadsOf(OnnxGraphNode node)
    {
        if (_graph.Opset < 11) return node.Attributes.Ints("pads");
        if (node.Inputs.Length < 2 || !_import.Constants.TryGetValue(node.Inputs[1], out var pads)) return null;
        if (node.Inputs.Length > 2 && node.Inputs[2] != "" && !_import.Constants.ContainsKey(node.Inputs[2])) return null;
        if (node.Inputs.Length > 3 && node.Inputs[3] != "") return null;
        return pads.Values.Select(OnnxDataTypes.ToLong).ToArray();
    }

    /// <summary>A reduction's axes when they are known at import (attribute or constant input); null when all axes or unknown.</summary>
    private long[]? ReduceAxes(OnnxGraphNode node)
    {
        if (node.Attributes.Ints("axes") is { Length: > 0 } axes) return axes;
        if (node.Inputs.Length > 1 && node.Inputs[1] != "" && _import.Constants.TryGetValue(node.Inputs[1], out var c) && c.Values.Length > 0)
            return c.Values.Select(OnnxDataTypes.ToLong).ToArray();
        return null;
    }
}

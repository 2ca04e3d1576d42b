namespace DeepSharp.Interop.Onnx;

// LSTM, GRU and RNN nodes of the forms Keras and PyTorch write — one direction forward, the default
// activations, no clipping or peepholes, zero (or no) initial states, constant weights — become DeepSharp's
// fused LSTM, GRU (ONNX's linear_before_reset=1 is Keras' reset_after=True) and SimpleRNN layers on a
// batch-major sequence. The ONNX outputs are then views of the layer's output: Y [T, 1, B, H] is the
// sequence transposed with the direction axis added, Y_h its last step.
internal sealed partial class OnnxPlanBuilder
{
    private bool RecurrentNodeLayer(OnnxGraphNode node)
    {
        var a = node.Attributes;
        var cell = node.OpType switch { "LSTM" => OnnxRecurrent.Cell.Lstm, "GRU" => OnnxRecurrent.Cell.Gru, _ => OnnxRecurrent.Cell.Rnn };
        int gates = (int)cell;
        int units = (int)a.Int("hidden_size", 0);
        if (units <= 0 || a.String("direction", "forward") != "forward" || a.Has("clip") || a.Int("input_forget", 0) != 0) return false;
        string[] defaults = cell switch { OnnxRecurrent.Cell.Lstm => ["Sigmoid", "Tanh", "Tanh"], OnnxRecurrent.Cell.Gru => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
        if (a.Strings("activations") is { } activations && !activations.SequenceEqual(defaults, StringComparer.OrdinalIgnoreCase)) return false;
        if (cell == OnnxRecurrent.Cell.Gru && a.Int("linear_before_reset", 0) == 0) return false; // Keras' reset_after=False: DeepSharp's GRU layer lacks it
        if (!IsDynamic(node, 0) || Constant(node, 1) is not { } w || Constant(node, 2) is not { } r) return false;
        var b = Constant(node, 3);
        if (!Absent(node, 3) && b is null) return false;
        bool batchMajor = a.Int("layout", 0) != 0;
        var x = _import.Shapes![node.Inputs[0]];
        if (x.First.Length != 3) return false;
        int steps = x.First[batchMajor ? 1 : 0], features = x.First[2];
        // The sequence lengths may only say "all of it"; the initial states may only be zeros.
        if (!Absent(node, 4) && (Constant(node, 4) is not { } lengths || lengths.Values.Any(l => l != steps))) return false;
        for (int i = 5; i < (cell == OnnxRecurrent.Cell.Lstm ? 7 : 6); i++)
            if (!Absent(node, i) && !(_import.Zeros.Contains(node.Inputs[i]) || Constant(node, i) is { IsAllZero: true })) return false;
        if (cell == OnnxRecurrent.Cell.Lstm && !Absent(node, 7) && Constant(node, 7) is not { IsAllZero: true }) return false;
        if (cell == OnnxRecurrent.Cell.Lstm && node.Outputs.Length > 2 && node.Outputs[2] != "" && IsUsed(node.Outputs[2])) return false; // Y_c
        if (w.Shape is not [1, var wg, var wf] || wg != gates * units || wf != features) return false;
        if (r.Shape is not [1, var rg, var ru] || rg != gates * units || ru != units) return false;
        if (b is not null && b.Shape is not [1, var bg] || b is not null && b.Values.Length != 2 * gates * units) return false;

        // The layer needs the batch-major sequence [B, T, F].
        var rep = _reps[node.Inputs[0]];
        string input;
        if (batchMajor && rep.Layout.IsPlain) input = rep.Id;
        else if (!batchMajor && rep.Layout.IsPermutation && rep.Layout.Permutation!.SequenceEqual([1, 0, 2])) input = rep.Id;
        else if (!batchMajor)
        {
            string plain = Plain(node.Inputs[0]);
            var (first, second) = _shapes[plain];
            input = AddSynthetic($"{node.Inputs[0]}_batch_major", "Transpose", 13, Attributes(("perm", new long[] { 1, 0, 2 })), plain,
                _import.Types[node.Inputs[0]], [first[1], first[0], first[2]], [second[1], second[0], second[2]]);
        }
        else return false;
        if (!BatchMajor(input)) return false;

        // Keras' layouts: kernel [F, G·H], recurrent kernel [H, G·H]; the LSTM's gates i, f, c, o (ONNX: i, o, f, c).
        int[] order = cell == OnnxRecurrent.Cell.Lstm ? [0, 2, 3, 1] : Enumerable.Range(0, gates).ToArray();
        var kernel = KerasKernel(w.Values, gates, units, features, order);
        var recurrent = KerasKernel(r.Values, gates, units, units, order);
        float[]? bias = null;
        if (b is not null)
        {
            if (cell == OnnxRecurrent.Cell.Gru)
            {
                bias = new float[2 * gates * units]; // [2, 3H]: input bias, recurrent bias
                Array.Copy(b.Values, bias, bias.Length);
            }
            else
            {
                bias = new float[gates * units]; // one bias: ONNX's two added
                for (int g = 0; g < gates; g++)
                    for (int u = 0; u < units; u++)
                        bias[g * units + u] = b.Values[order[g] * units + u] + b.Values[(gates + order[g]) * units + u];
            }
        }
        // PyTorch's "output[:, -1]" (Squeeze, Transpose, Gather of the last step) is Keras' returnSequences=false.
        var lastStep = batchMajor ? null : LastStepReaders(node.Outputs[0], steps);
        if (lastStep is not null) _absorbed.UnionWith(lastStep);
        bool sequenceUsed = IsUsed(node.Outputs[0]) && lastStep is null;
        string name = NewLayerName(node.Name);
        RecurrentLayer layer = cell switch
        {
            OnnxRecurrent.Cell.Lstm => new LSTM(units, useBias: b is not null, unitForgetBias: false, returnSequences: sequenceUsed, name: name),
            OnnxRecurrent.Cell.Gru => new GRU(units, useBias: b is not null, returnSequences: sequenceUsed, resetAfter: true, name: name),
            _ => new SimpleRNN(units, useBias: b is not null, returnSequences: sequenceUsed, name: name),
        };
        layer.EnsureBuilt(SampleShape(input));
        using (Autograd.NoGrad())
        {
            layer.Kernel.CopyFrom(kernel);
            layer.RecurrentKernel.CopyFrom(recurrent);
            if (bias is not null) layer.Bias!.CopyFrom(bias);
        }
        string id = NewId(node.Outputs[0] != "" ? node.Outputs[0] : node.Name);
        var (x1, x2) = _shapes[input];
        _shapes[id] = sequenceUsed ? ([x1[0], x1[1], units], [x2[0], x2[1], units]) : ([x1[0], units], [x2[0], units]);
        _plan.Steps.Add(new OnnxPlan.PlanStep(layer, [input], [id]));

        // Y: [T, 1, B, H] (layout 0) or [B, T, 1, H] (layout 1); Y_h: [1, B, H] or [B, 1, H].
        string? last = null;
        if (lastStep is not null) _reps[lastStep[^1].Outputs[0]] = new Rep(id, OnnxLayout.Plain);
        if (sequenceUsed)
            _reps[node.Outputs[0]] = new Rep(id, batchMajor ? OnnxLayout.PermutedUnsqueezed([0, 1, 2], 2) : OnnxLayout.PermutedUnsqueezed([1, 0, 2], 1));
        else last = id;
        if (node.Outputs.Length > 1 && node.Outputs[1] != "" && IsUsed(node.Outputs[1]))
        {
            if (last is null)
            {
                var shapes = _shapes[id];
                last = AddSynthetic($"{node.Name}_last", "Gather", 13, Attributes(("axis", 1L)), id, _import.Types[node.Outputs[1]],
                    [shapes.First[0], units], [shapes.Second[0], units], new OnnxConstant([-1f], [], Proto.TensorProto.Types.DataType.Int64));
            }
            _reps[node.Outputs[1]] = new Rep(last, OnnxLayout.PermutedUnsqueezed([0, 1], batchMajor ? 1 : 0));
        }
        return true;
    }

    /// <summary>ONNX's [1, G·H, F] weights (gate blocks in ONNX's order) as Keras' [F, G·H] kernel, gate blocks taken in <paramref name="order"/>.</summary>
    private static float[] KerasKernel(float[] onnx, int gates, int units, int features, int[] order)
    {
        var kernel = new float[onnx.Length];
        for (int g = 0; g < gates; g++)
            for (int u = 0; u < units; u++)
                for (int f = 0; f < features; f++)
                    kernel[f * gates * units + g * units + u] = onnx[(order[g] * units + u) * features + f];
        return kernel;
    }

    /// <summary>
    /// The nodes that take the last step of a time-major recurrent output Y [T, 1, B, H] and nothing else:
    /// Squeeze(axis 1), then Gather(axis 0, last) or Transpose(1, 0, 2) and Gather(axis 1, last). Null when
    /// Y is read otherwise.
    /// </summary>
    private List<OnnxGraphNode>? LastStepReaders(string y, int steps)
    {
        OnnxGraphNode? Only(string value) =>
            !_import.GraphOutputs.Contains(value) && ConsumersOf(value) is [(var reader, 0)] ? reader : null;
        bool IsLast(OnnxGraphNode gather, long axis) =>
            gather.OpType == "Gather" && gather.Attributes.Int("axis", 0) == axis && Constant(gather, 1) is { Shape.Length: 0 } index
            && (index.Values[0] == -1f || index.Values[0] == steps - 1);
        if (Only(y) is not { OpType: "Squeeze" } squeeze) return null;
        long[]? axes = _graph.Opset < 13 ? squeeze.Attributes.Ints("axes") : Constant(squeeze, 1)?.Values.Select(OnnxDataTypes.ToLong).ToArray();
        if (axes is not [1]) return null;
        var next = Only(squeeze.Outputs[0]);
        if (next is not null && IsLast(next, 0)) return [squeeze, next];
        if (next is not { OpType: "Transpose" } transpose || transpose.Attributes.Ints("perm") is not [1, 0, 2]) return null;
        return Only(transpose.Outputs[0]) is { } gather && IsLast(gather, 1) ? [squeeze, transpose, gather] : null;
    }
}

namespace DeepSharp.Interop.Onnx;

// SimpleRNN, LSTM and GRU as ONNX's RNN, LSTM and GRU nodes, time-major (layout 0: ONNX Runtime's CPU provider
// refuses batch-major recurrent nodes), so that stacked layers pass the sequence on without a transpose.
// Keras' kernels [F, G·H] become ONNX's [1, G·H, F], the LSTM's gates move from Keras' i, f, c, o to ONNX's
// i, o, f, c, and the one bias becomes ONNX's input bias beside a recurrent bias of zeros (the GRU keeps its
// two). Keras' reset_after=True is ONNX's linear_before_reset=1. A layer going backwards runs ONNX's reverse
// direction; its output sequence, aligned with the input by ONNX, is turned back into processing order as
// DeepSharp gives it. A Bidirectional pair of like layers is one bidirectional node.
internal sealed partial class OnnxExporter
{
    private OnnxExportValue WriteRecurrent(RecurrentLayer layer, OnnxExportValue x, string name)
    {
        string output = SingleRecurrent(layer, In(x, OnnxExportLayouts.TimeMajor), name, flipped: false);
        return Out(output, layer.ComputeOutputShape(x.Shape), layer.ReturnSequences ? OnnxExportLayouts.TimeMajor : null);
    }

    private OnnxExportValue WriteBidirectional(Bidirectional bidirectional, OnnxExportValue x, string name)
    {
        RecurrentLayer forward = bidirectional.ForwardLayer, backward = bidirectional.BackwardLayer;
        string input = In(x, OnnxExportLayouts.TimeMajor);
        bool sequences = forward.ReturnSequences;
        var shape = bidirectional.ComputeOutputShape(x.Shape);
        var layout = sequences ? OnnxExportLayouts.TimeMajor : null;
        string mode = bidirectional.MergeMode;
        if (Alike(forward, backward))
        {
            // Y [T, 2, B, H] or Y_h [2, B, H]: the direction axis is 1 or 0.
            var (y, last) = RecurrentNode([forward, backward], input, "bidirectional", name, sequences);
            string both = sequences ? y! : last!;
            long axis = sequences ? 1 : 0;
            string merged = mode switch
            {
                "concat" => _g.Node("Reshape", name,
                    [_g.Node("Transpose", name, [both], ("perm", sequences ? new long[] { 0, 2, 1, 3 } : [1, 0, 2])), _g.Longs(sequences ? [0, 0, -1] : [0, -1])]),
                "sum" => Reduce("ReduceSum", both, name, [axis], keepDims: false),
                "mul" => Reduce("ReduceProd", both, name, [axis], keepDims: false),
                _ => Reduce("ReduceMean", both, name, [axis], keepDims: false),
            };
            return Out(merged, shape, layout);
        }
        // Unlike layers: one node each, the backward output reversed to align with the input as Bidirectional does.
        string f = SingleRecurrent(forward, input, name + "/forward", flipped: false);
        string b = SingleRecurrent(backward, input, name + "/backward", flipped: true);
        string result = mode switch
        {
            "concat" => _g.Node("Concat", name, [f, b], ("axis", sequences ? 2L : 1L)),
            "sum" => _g.Node("Add", name, [f, b]),
            "mul" => _g.Node("Mul", name, [f, b]),
            _ => _g.Node("Mul", name, [_g.Node("Add", name, [f, b]), _g.Scalar(0.5f)]),
        };
        return Out(result, shape, layout);
    }

    /// <summary>Whether two layers can be the two directions of one ONNX node.</summary>
    private static bool Alike(RecurrentLayer forward, RecurrentLayer backward) =>
        forward.GetType() == backward.GetType() && !forward.GoBackwards && backward.GoBackwards && forward.Units == backward.Units
        && forward.UseBias == backward.UseBias && forward.Activation.Name == backward.Activation.Name
        && forward.RecurrentActivation.Name == backward.RecurrentActivation.Name
        && (forward is not GRU gru || gru.ResetAfter == ((GRU)backward).ResetAfter);

    /// <summary>
    /// One layer as one node on a time-major sequence: the whole sequence time-major [T, B, H] in processing
    /// order (reversed when <paramref name="flipped"/>: a Bidirectional's backward half), or the last output [B, H].
    /// </summary>
    private string SingleRecurrent(RecurrentLayer layer, string input, string name, bool flipped)
    {
        var (y, last) = RecurrentNode([layer], input, layer.GoBackwards ? "reverse" : "forward", name, layer.ReturnSequences);
        if (!layer.ReturnSequences) return Squeeze(last!, 0, name);
        string sequence = Squeeze(y!, 1, name);
        // ONNX aligns a reverse direction's outputs with the input steps; DeepSharp gives them in processing order.
        if (layer.GoBackwards != flipped)
            sequence = _g.Node("Slice", name, [sequence, _g.Longs(-1), _g.Longs(long.MinValue), _g.Longs(0), _g.Longs(-1)]);
        return sequence;
    }

    private string Squeeze(string input, long axis, string name) => _g.Node("Squeeze", name, [input, _g.Longs(axis)]);

    /// <summary>The ONNX node of <paramref name="layers"/> (one per direction): its Y [T, D, B, H] when <paramref name="sequences"/>, else its Y_h [D, B, H].</summary>
    private (string? Y, string? Last) RecurrentNode(RecurrentLayer[] layers, string input, string direction, string name, bool sequences)
    {
        var first = layers[0];
        var (op, gates) = first switch
        {
            LSTM => ("LSTM", 4),
            GRU => ("GRU", 3),
            SimpleRNN => ("RNN", 1),
            _ => throw new Refusal($"DeepSharp has no ONNX form for {first.ClassName} layers"),
        };
        int units = first.Units, features = first.Kernel.Shape[0], directions = layers.Length;
        int[] order = op == "LSTM" ? [0, 3, 1, 2] : Enumerable.Range(0, gates).ToArray(); // ONNX gate g is Keras gate order[g]
        var w = new List<float>();
        var r = new List<float>();
        var b = new List<float>();
        foreach (var layer in layers)
        {
            w.AddRange(OnnxGates(layer.Kernel.ToArray(), features, gates, units, order));
            r.AddRange(OnnxGates(layer.RecurrentKernel.ToArray(), units, gates, units, order));
            if (layer.Bias is { } bias) b.AddRange(OnnxBiases(bias, gates, units, order));
        }
        string? biasName = first.UseBias ? _g.Initializer(name + "/B", b.ToArray(), [directions, 2 * gates * units]) : null;
        var attributes = new List<(string, object)> { ("hidden_size", (long)units), ("direction", direction) };
        attributes.AddRange(GateFunctions(layers));
        if (first is GRU gru) attributes.Add(("linear_before_reset", gru.ResetAfter ? 1L : 0L));
        string y = sequences ? _g.Unique(name + "/Y") : "", last = sequences ? "" : _g.Unique(name + "/Y_h");
        _g.Node(op, name,
            [input, _g.Initializer(name + "/W", w.ToArray(), [directions, gates * units, features]),
                _g.Initializer(name + "/R", r.ToArray(), [directions, gates * units, units]), biasName],
            sequences ? [y] : ["", last], attributes.ToArray());
        return (sequences ? y : null, sequences ? null : last);
    }

    /// <summary>A Keras kernel [rows, G·H] as ONNX's [G·H, rows], gate blocks taken in <paramref name="order"/>.</summary>
    private static float[] OnnxGates(float[] keras, int rows, int gates, int units, int[] order)
    {
        var onnx = new float[keras.Length];
        for (int g = 0; g < gates; g++)
            for (int u = 0; u < units; u++)
                for (int row = 0; row < rows; row++)
                    onnx[(g * units + u) * rows + row] = keras[row * gates * units + order[g] * units + u];
        return onnx;
    }

    /// <summary>ONNX's [Wb, Rb] of one direction: the GRU's input and recurrent biases as they are; another layer's bias as Wb beside zeros.</summary>
    private static float[] OnnxBiases(Tensor bias, int gates, int units, int[] order)
    {
        var values = bias.ToArray();
        var onnx = new float[2 * gates * units];
        if (bias.Rank == 2) // the GRU's [2, 3H]: input bias, recurrent bias
        {
            Array.Copy(values, onnx, onnx.Length);
            return onnx;
        }
        for (int g = 0; g < gates; g++) Array.Copy(values, order[g] * units, onnx, g * units, units);
        return onnx;
    }

    /// <summary>
    /// The activations attribute when the layers use other functions than ONNX's defaults (LSTM: f = recurrent
    /// activation, g = h = activation; GRU: f, g; RNN: the activation), per direction, with their alpha and beta.
    /// </summary>
    private static IEnumerable<(string, object)> GateFunctions(RecurrentLayer[] layers)
    {
        var functions = new List<ActivationFunction>();
        foreach (var layer in layers)
        {
            if (layer is LSTM) functions.AddRange([layer.RecurrentActivation, layer.Activation, layer.Activation]);
            else if (layer is GRU) functions.AddRange([layer.RecurrentActivation, layer.Activation]);
            else functions.Add(layer.Activation);
        }
        var gates = functions.Select(f => GateFunction(f, layers[0])).ToArray();
        string[] defaults = layers[0] switch { LSTM => ["Sigmoid", "Tanh", "Tanh"], GRU => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
        if (gates.Select((g, i) => g.Name == defaults[i % defaults.Length]).All(same => same)) yield break;
        yield return ("activations", gates.Select(g => g.Name).ToArray());
        // Readers differ on whether activation_alpha has a value per function or per function that takes one; a
        // list where each place holds the value of the next function that takes one reads the same both ways.
        int count = Array.FindLastIndex(gates, g => g.Alpha is not null) + 1;
        if (count == 0) yield break;
        yield return ("activation_alpha", Enumerable.Range(0, count).Select(i => gates.Skip(i).First(g => g.Alpha is not null).Alpha!.Value).ToArray());
        yield return ("activation_beta", Enumerable.Range(0, count).Select(i => gates.Skip(i).First(g => g.Beta is not null).Beta!.Value).ToArray());
    }

    private static (string Name, float? Alpha, float? Beta) GateFunction(ActivationFunction f, RecurrentLayer layer) => f.Name switch
    {
        "sigmoid" => ("Sigmoid", null, null),
        "tanh" => ("Tanh", null, null),
        "relu" => ("Relu", null, null),
        "linear" => ("Affine", 1f, 0f),
        "hard_sigmoid" => ("HardSigmoid", 1f / 6f, 0.5f), // relu6(x + 3) / 6
        _ => throw new Refusal($"{layer.ClassName} activation '{f.Name}' has no ONNX form"),
    };
}

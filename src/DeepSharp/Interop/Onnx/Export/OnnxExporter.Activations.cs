namespace DeepSharp.Interop.Onnx;

// Activations as ONNX ops: most are one op of the same name; GELU (exact, erf), swish and relu6 are written
// from a few ops, as opset 17 has no single op for them. Softmax normalizes the tensor's last axis, wherever
// the value's layout put it.
internal sealed partial class OnnxExporter
{
    /// <summary>Applies <paramref name="activation"/> to <paramref name="x"/>, keeping its layout; linear writes nothing.</summary>
    private OnnxExportValue Activate(ActivationFunction activation, OnnxExportValue x, string name)
    {
        if (activation.IsLinear) return x;
        if (!IsBuiltIn(activation))
            throw new Refusal($"its activation '{activation.Name}' is a custom function, which has no ONNX form");
        string input = In(x, x.Layout);
        string Op(string op, params (string, object)[] attributes) => _g.Node(op, name, [input], attributes);
        string y = activation.Name switch
        {
            "relu" => Op("Relu"),
            "relu6" => _g.Node("Clip", name, [input, _g.Scalar(0f), _g.Scalar(6f)]),
            "sigmoid" => Op("Sigmoid"),
            "tanh" => Op("Tanh"),
            "softmax" => Op("Softmax", ("axis", (long)x.OnnxAxis(-1))),
            "log_softmax" => Op("LogSoftmax", ("axis", (long)x.OnnxAxis(-1))),
            "elu" => Op("Elu", ("alpha", 1f)),
            "selu" => Op("Selu", ("alpha", 1.6732632423543772848170429916717f), ("gamma", 1.0507009873554804934193349852946f)),
            "gelu" => Gelu(input, name),
            "softplus" => Op("Softplus"),
            "softsign" => Op("Softsign"),
            "swish" or "silu" => _g.Node("Mul", name, [input, Op("Sigmoid")]),
            "hard_sigmoid" => Op("HardSigmoid", ("alpha", 1f / 6f), ("beta", 0.5f)), // relu6(x + 3) / 6
            "exponential" => Op("Exp"),
            "leaky_relu" => Op("LeakyRelu", ("alpha", LeakySlope(activation))),
            _ => throw new Refusal($"its activation '{activation.Name}' has no ONNX form"),
        };
        return Same(x, y);
    }

    /// <summary>x·Φ(x) = 0.5·x·(1 + erf(x / √2)).</summary>
    private string Gelu(string x, string name)
    {
        string erf = _g.Node("Erf", name, [_g.Node("Div", name, [x, _g.Scalar(MathF.Sqrt(2f))])]);
        string half = _g.Node("Mul", name, [x, _g.Scalar(0.5f)]);
        return _g.Node("Mul", name, [half, _g.Node("Add", name, [erf, _g.Scalar(1f)])]);
    }

    /// <summary>Whether <paramref name="activation"/> is one of DeepSharp's own (not a user's function under a known name).</summary>
    private static bool IsBuiltIn(ActivationFunction activation)
    {
        if (activation.Name == "leaky_relu") return true; // LeakyReluWith(slope) makes a new one per slope; its slope is in its config
        try
        {
            return ReferenceEquals(Activations.Get(activation.Name), activation);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static float LeakySlope(ActivationFunction activation) =>
        activation.Config?["negative_slope"]?.GetValue<float>() ?? 0.2f;
}

namespace DeepSharp;

/// <summary>The built-in activations, by Keras name and as objects (<c>Activations.Relu</c>).</summary>
public static class Activations
{
    /// <summary>The identity.</summary>
    public static readonly ActivationFunction Linear = new("linear", static x => x);
    /// <summary>max(x, 0).</summary>
    public static readonly ActivationFunction Relu = new("relu", static x => Ops.Relu(x));
    /// <summary>min(max(x, 0), 6).</summary>
    public static readonly ActivationFunction Relu6 = new("relu6", static x => Ops.Relu6(x));
    /// <summary>1 / (1 + e^−x).</summary>
    public static readonly ActivationFunction Sigmoid = new("sigmoid", static x => Ops.Sigmoid(x));
    /// <summary>Hyperbolic tangent.</summary>
    public static readonly ActivationFunction Tanh = new("tanh", static x => Ops.Tanh(x));
    /// <summary>Softmax over the last axis.</summary>
    public static readonly ActivationFunction Softmax = new("softmax", static x => Ops.Softmax(x));
    /// <summary>Log-softmax over the last axis.</summary>
    public static readonly ActivationFunction LogSoftmax = new("log_softmax", static x => Ops.LogSoftmax(x));
    /// <summary>x for x &gt; 0, e^x − 1 otherwise.</summary>
    public static readonly ActivationFunction Elu = new("elu", static x => Ops.Elu(x));
    /// <summary>Scaled ELU with the self-normalising constants.</summary>
    public static readonly ActivationFunction Selu = new("selu", static x => Ops.Selu(x));
    /// <summary>Gaussian error linear unit (exact form).</summary>
    public static readonly ActivationFunction Gelu = new("gelu", static x => Ops.Gelu(x));
    /// <summary>log(1 + e^x).</summary>
    public static readonly ActivationFunction Softplus = new("softplus", static x => Ops.Softplus(x));
    /// <summary>x / (1 + |x|).</summary>
    public static readonly ActivationFunction Softsign = new("softsign", static x => Ops.Softsign(x));
    /// <summary>x · sigmoid(x).</summary>
    public static readonly ActivationFunction Swish = new("swish", static x => Ops.Swish(x));
    /// <summary>Same as <see cref="Swish"/>.</summary>
    public static readonly ActivationFunction Silu = new("silu", static x => Ops.Swish(x));
    /// <summary>relu6(x + 3) / 6.</summary>
    public static readonly ActivationFunction HardSigmoid = new("hard_sigmoid", static x => Ops.HardSigmoid(x));
    /// <summary>e^x.</summary>
    public static readonly ActivationFunction Exponential = new("exponential", static x => Ops.Exp(x));
    /// <summary>Leaky ReLU with Keras' default slope 0.2.</summary>
    public static readonly ActivationFunction LeakyRelu = LeakyReluWith(0.2f);

    /// <summary>A leaky ReLU with slope <paramref name="negativeSlope"/> for negative inputs.</summary>
    public static ActivationFunction LeakyReluWith(float negativeSlope) =>
        new("leaky_relu", x => Ops.LeakyRelu(x, negativeSlope), new() { ["negative_slope"] = negativeSlope });

    /// <summary>The activation a Keras name stands for (or one registered with <see cref="CustomObjects"/>); null or empty means linear.</summary>
    public static ActivationFunction Get(string? name)
    {
        if (string.IsNullOrEmpty(name)) return Linear;
        return KerasNames.ToSnakeCase(name) switch
        {
            "linear" => Linear,
            "relu" => Relu,
            "relu6" => Relu6,
            "sigmoid" => Sigmoid,
            "tanh" => Tanh,
            "softmax" => Softmax,
            "log_softmax" => LogSoftmax,
            "elu" => Elu,
            "selu" => Selu,
            "gelu" => Gelu,
            "softplus" => Softplus,
            "softsign" => Softsign,
            "swish" => Swish,
            "silu" => Silu,
            "hard_sigmoid" => HardSigmoid,
            "exponential" => Exponential,
            "leaky_relu" => LeakyRelu,
            _ when CustomObjects.TryCreate<ActivationFunction>(name, out var custom) => custom,
            _ => throw new ArgumentException(
                $"Unknown activation '{name}'. Known: linear, relu, relu6, sigmoid, tanh, softmax, log_softmax, elu, selu, gelu, " +
                "softplus, softsign, swish, silu, hard_sigmoid, exponential, leaky_relu; or register your own with CustomObjects.Register.", nameof(name)),
        };
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// An activation function, as those in Keras' <c>keras.activations</c>: a name and what it does to a
/// tensor. Accepts a name where an activation is expected: <c>activation: "relu"</c>.
/// </summary>
public sealed class ActivationFunction : IActivation
{
    private readonly Func<Tensor, Tensor> _apply;

    /// <summary>Creates an activation from a name and a differentiable function.</summary>
    public ActivationFunction(string name, Func<Tensor, Tensor> apply, JsonObject? config = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(apply);
        Name = name;
        _apply = apply;
        Config = config;
    }

    /// <summary>The Keras name ("relu").</summary>
    public string Name { get; }

    /// <summary>Arguments beyond the name (the slope of a leaky ReLU), or null.</summary>
    public JsonObject? Config { get; }

    /// <summary>Applies the activation.</summary>
    public Tensor Apply(Tensor x) => _apply(x);

    /// <summary>Whether this is the identity ("linear").</summary>
    public bool IsLinear => Name == "linear";

    /// <summary>Whether this is the built-in ReLU, which Ops fuse into the pass before it.</summary>
    bool IActivation.IsRelu => ReferenceEquals(this, Activations.Relu);

    /// <summary>Whether this is the built-in (exact) GELU, which a Dense layer's product takes into its own pass.</summary>
    bool IActivation.IsGelu => ReferenceEquals(this, Activations.Gelu);

    /// <summary>The activation a Keras name stands for.</summary>
    public static implicit operator ActivationFunction(string name) => Activations.Get(name);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

namespace DeepSharp;

/// <summary>
/// What Ops need to know of an activation to fuse it into the pass that produced its input (a bias add, a
/// convolution's output): whether it is the identity, a ReLU or a GELU, and how to apply it otherwise. Activation
/// functions live above Ops; they are seen here through this face alone.
/// </summary>
internal interface IActivation
{
    /// <summary>Whether the activation is the identity.</summary>
    bool IsLinear { get; }

    /// <summary>Whether the activation is max(x, 0).</summary>
    bool IsRelu { get; }

    /// <summary>Whether the activation is the exact (erf) GELU of <see cref="Ops.Gelu"/>.</summary>
    bool IsGelu { get; }

    /// <summary>Applies the activation as a separate op.</summary>
    Tensor Apply(Tensor x);
}

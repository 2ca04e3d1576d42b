using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>L2 penalty: <c>l2 · Σx²</c> (Keras default l2 = 0.01; note: no ½, as in Keras).</summary>
public sealed class L2(float l2 = 0.01f) : Regularizer
{
    /// <summary>The factor.</summary>
    public float Factor { get; } = CheckFactor(l2, nameof(l2));

    /// <inheritdoc/>
    public override string Name => "l2";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor x) => Ops.Sum(Ops.Square(x)) * Factor;

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l2"] = Factor };
}

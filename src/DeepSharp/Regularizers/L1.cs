using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>L1 penalty: <c>l1 · Σ|x|</c> (Keras default l1 = 0.01).</summary>
public sealed class L1(float l1 = 0.01f) : Regularizer
{
    /// <summary>The factor.</summary>
    public float Factor { get; } = CheckFactor(l1, nameof(l1));

    /// <inheritdoc/>
    public override string Name => "l1";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor x) => Ops.Sum(Ops.Abs(x)) * Factor;

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l1"] = Factor };
}

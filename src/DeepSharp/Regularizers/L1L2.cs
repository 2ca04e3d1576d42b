using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Both penalties: <c>l1 · Σ|x| + l2 · Σx²</c> (Keras defaults 0 and 0 for the class).</summary>
public sealed class L1L2(float l1 = 0f, float l2 = 0f) : Regularizer
{
    /// <summary>The L1 factor.</summary>
    public float L1Factor { get; } = CheckFactor(l1, nameof(l1));

    /// <summary>The L2 factor.</summary>
    public float L2Factor { get; } = CheckFactor(l2, nameof(l2));

    /// <inheritdoc/>
    public override string Name => "l1_l2";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor x)
    {
        if (L1Factor == 0f) return Ops.Sum(Ops.Square(x)) * L2Factor;
        if (L2Factor == 0f) return Ops.Sum(Ops.Abs(x)) * L1Factor;
        return Ops.Sum(Ops.Abs(x)) * L1Factor + Ops.Sum(Ops.Square(x)) * L2Factor;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l1"] = L1Factor, ["l2"] = L2Factor };
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A penalty on a weight (or a layer's output) added to the training loss, as Keras' regularizers.
/// Accepts a name where a regularizer is expected: <c>kernelRegularizer: "l2"</c>.
/// </summary>
public abstract class Regularizer
{
    /// <summary>The Keras name ("l1", "l2", "l1_l2").</summary>
    public abstract string Name { get; }

    /// <summary>The penalty for <paramref name="x"/>, a scalar tensor in the graph (so it is differentiated).</summary>
    public abstract Tensor Compute(Tensor x);

    /// <summary>The arguments that recreate this regularizer.</summary>
    public abstract JsonObject GetConfig();

    /// <summary>The regularizer a Keras name stands for, with Keras' default factor 0.01.</summary>
    public static implicit operator Regularizer(string name) => Get(name);

    /// <summary>The regularizer a Keras name stands for, with Keras' default factors.</summary>
    public static Regularizer Get(string name) => Initializers.Normalize(name) switch
    {
        "l1" => new L1(),
        "l2" => new L2(),
        "l1_l2" or "l1l2" => new L1L2(0.01f, 0.01f),
        _ => throw new ArgumentException($"Unknown regularizer '{name}'. Known: l1, l2, l1_l2.", nameof(name)),
    };

    /// <summary>Checks a regularization factor: finite and non-negative.</summary>
    protected static float CheckFactor(float value, string argument)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(argument, value, $"A regularization factor must be a finite number >= 0; got {value}.");
        return value;
    }
}

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

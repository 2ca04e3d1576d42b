using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adamax, Adam with the infinity norm, as Keras' <c>Adamax</c> (defaults: learning rate 0.001, β1 0.9,
/// β2 0.999, ε 1e-7): <c>m += (g − m)(1 − β1); u = max(β2·u, |g|); w −= lr·m/((1 − β1ᵗ)(u + ε))</c>.
/// </summary>
public sealed class Adamax : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">A number or a schedule (default 0.001).</param>
    /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
    /// <param name="beta2">Decay of the infinity norm, in [0, 1).</param>
    /// <param name="epsilon">Added to the norm for numerical stability (> 0).</param>
    /// <param name="clipNorm">Per-variable gradient norm limit.</param>
    /// <param name="clipValue">Per-element gradient limit.</param>
    /// <param name="globalClipNorm">Joint gradient norm limit.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public Adamax(LearningRateSchedule? learningRate = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null, float? weightDecay = null)
        : base(learningRate ?? 0.001f, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
        Beta1 = CheckDecayRate(beta1, nameof(beta1));
        Beta2 = CheckDecayRate(beta2, nameof(beta2));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
    }

    /// <summary>Decay of the first-moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the infinity norm.</summary>
    public float Beta2 { get; }

    /// <summary>The stability constant.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "adamax";

    /// <inheritdoc/>
    protected override void UpdateVariable(Tensor variable, Tensor gradient, float learningRate)
    {
        var slots = GetSlots(variable, 2);
        ParameterUpdates.Adamax(variable, gradient, slots[0], slots[1], Beta1, Beta2, StepSize(learningRate), Epsilon);
    }

    /// <summary>lr/(1 − β1ᵗ) for this step.</summary>
    private float StepSize(float learningRate) => (float)(learningRate / (1 - Math.Pow(Beta1, Iterations + 1)));

    private protected override bool UpdatesTogether => true;

    private protected override void AddStates(ParameterUpdateSet step, int index)
    {
        var slots = GetSlots(step.Variable(index), 2);
        step.SetState(index, slots[0], slots[1], optimizer: "Adamax");
    }

    private protected override void UpdateTogether(ParameterUpdateSet step, float learningRate) =>
        ParameterUpdates.Adamax(step, Beta1, Beta2, StepSize(learningRate), Epsilon);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["beta_1"] = Beta1;
        config["beta_2"] = Beta2;
        config["epsilon"] = Epsilon;
        return config;
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adadelta, as Keras' <c>Adadelta</c> (defaults: learning rate 0.001, ρ 0.95, ε 1e-7):
/// <c>s = ρ·s + (1 − ρ)·g²; Δ = √(d + ε)/√(s + ε)·g; d = ρ·d + (1 − ρ)·Δ²; w −= lr·Δ</c>.
/// Keras' default learning rate is 0.001 (the original paper and PyTorch use 1.0).
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">A number or a schedule (default 0.001).</param>
    /// <param name="rho">Decay of the running averages, in [0, 1).</param>
    /// <param name="epsilon">Added inside the square roots for numerical stability (> 0).</param>
    /// <param name="clipNorm">Per-variable gradient norm limit.</param>
    /// <param name="clipValue">Per-element gradient limit.</param>
    /// <param name="globalClipNorm">Joint gradient norm limit.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public Adadelta(LearningRateSchedule? learningRate = null, float rho = 0.95f, float epsilon = 1e-7f,
        float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null, float? weightDecay = null)
        : base(learningRate ?? 0.001f, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
        Rho = CheckDecayRate(rho, nameof(rho));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
    }

    /// <summary>Decay of the running averages.</summary>
    public float Rho { get; }

    /// <summary>The stability constant.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "adadelta";

    /// <inheritdoc/>
    protected override void UpdateVariable(Tensor variable, Tensor gradient, float learningRate)
    {
        var slots = GetSlots(variable, 2);
        ParameterUpdates.Adadelta(variable, gradient, slots[0], slots[1], learningRate, Rho, Epsilon);
    }

    private protected override bool UpdatesTogether => true;

    private protected override void AddStates(ParameterUpdateSet step, int index)
    {
        var slots = GetSlots(step.Variable(index), 2);
        step.SetState(index, slots[0], slots[1], optimizer: "Adadelta");
    }

    private protected override void UpdateTogether(ParameterUpdateSet step, float learningRate) =>
        ParameterUpdates.Adadelta(step, learningRate, Rho, Epsilon);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rho"] = Rho;
        config["epsilon"] = Epsilon;
        return config;
    }
}

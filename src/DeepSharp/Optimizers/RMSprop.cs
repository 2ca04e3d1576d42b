using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// RMSprop, as Keras' <c>RMSprop</c> (defaults: learning rate 0.001, ρ 0.9, momentum 0, ε 1e-7, not centered):
/// <c>s = ρ·s + (1 − ρ)·g²; w −= lr·g/√(s + ε)</c>. ε is inside the square root (PyTorch adds it outside).
/// Centered, the variance <c>s − ḡ²</c> (ḡ the running mean gradient) replaces s; with momentum the step is
/// accumulated as <c>b = μ·b + lr·g/√(...); w −= b</c>.
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">A number or a schedule (default 0.001).</param>
    /// <param name="rho">Decay of the mean square gradient, in [0, 1).</param>
    /// <param name="momentum">Momentum of the step, in [0, 1].</param>
    /// <param name="epsilon">Added to the mean square for numerical stability (> 0).</param>
    /// <param name="centered">Whether to normalise by the variance instead of the mean square.</param>
    /// <param name="clipNorm">Per-variable gradient norm limit.</param>
    /// <param name="clipValue">Per-element gradient limit.</param>
    /// <param name="globalClipNorm">Joint gradient norm limit.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public RMSprop(LearningRateSchedule? learningRate = null, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false,
        float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null, float? weightDecay = null)
        : base(learningRate ?? 0.001f, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
        Rho = CheckDecayRate(rho, nameof(rho));
        Momentum = CheckRange(momentum, nameof(momentum), 0f, 1f);
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
        Centered = centered;
    }

    /// <summary>Decay of the mean square gradient.</summary>
    public float Rho { get; }

    /// <summary>Momentum of the step (0 for none).</summary>
    public float Momentum { get; }

    /// <summary>The stability constant.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the variance is used instead of the mean square.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    public override string Name => "rmsprop";

    /// <inheritdoc/>
    protected override void UpdateVariable(Tensor variable, Tensor gradient, float learningRate)
    {
        bool useMomentum = Momentum > 0;
        // Slots as Keras creates them: the mean square, then the momentum buffer and the mean gradient when used.
        var slots = GetSlots(variable, 1 + (useMomentum ? 1 : 0) + (Centered ? 1 : 0));
        var momentumBuffer = useMomentum ? slots[1] : null;
        var meanGradient = Centered ? slots[^1] : null;
        ParameterUpdates.Rmsprop(variable, gradient, slots[0], momentumBuffer, meanGradient, learningRate, Rho, Momentum, Epsilon);
    }

    private protected override bool UpdatesTogether => true;

    private protected override void AddStates(ParameterUpdateSet step, int index)
    {
        bool useMomentum = Momentum > 0;
        var slots = GetSlots(step.Variable(index), 1 + (useMomentum ? 1 : 0) + (Centered ? 1 : 0));
        step.SetState(index, slots[0], useMomentum ? slots[1] : null, Centered ? slots[^1] : null, "RMSprop");
    }

    private protected override void UpdateTogether(ParameterUpdateSet step, float learningRate) =>
        ParameterUpdates.Rmsprop(step, Momentum > 0, Centered, learningRate, Rho, Momentum, Epsilon);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rho"] = Rho;
        config["momentum"] = Momentum;
        config["epsilon"] = Epsilon;
        config["centered"] = Centered;
        return config;
    }
}

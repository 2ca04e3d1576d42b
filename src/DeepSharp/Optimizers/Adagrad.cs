using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adagrad, as Keras' <c>Adagrad</c> (defaults: learning rate 0.001, initial accumulator 0.1, ε 1e-7):
/// <c>a += g²; w −= lr·g/√(a + ε)</c>, the accumulator starting at <see cref="InitialAccumulatorValue"/>.
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">A number or a schedule (default 0.001).</param>
    /// <param name="initialAccumulatorValue">The starting value of the accumulated squares (finite, >= 0).</param>
    /// <param name="epsilon">Added to the accumulator for numerical stability (> 0).</param>
    /// <param name="clipNorm">Per-variable gradient norm limit.</param>
    /// <param name="clipValue">Per-element gradient limit.</param>
    /// <param name="globalClipNorm">Joint gradient norm limit.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public Adagrad(LearningRateSchedule? learningRate = null, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f,
        float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null, float? weightDecay = null)
        : base(learningRate ?? 0.001f, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
        InitialAccumulatorValue = CheckNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
    }

    /// <summary>The starting value of the accumulated squares.</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>The stability constant.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "adagrad";

    /// <inheritdoc/>
    protected override void UpdateVariable(Tensor variable, Tensor gradient, float learningRate) =>
        ParameterUpdates.Adagrad(variable, gradient, GetSlots(variable, 1, InitialAccumulatorValue)[0], learningRate, Epsilon);

    private protected override bool UpdatesTogether => true;

    private protected override void AddStates(ParameterUpdateSet step, int index) =>
        step.SetState(index, GetSlots(step.Variable(index), 1, InitialAccumulatorValue)[0], optimizer: "Adagrad");

    private protected override void UpdateTogether(ParameterUpdateSet step, float learningRate) =>
        ParameterUpdates.Adagrad(step, learningRate, Epsilon);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["initial_accumulator_value"] = InitialAccumulatorValue;
        config["epsilon"] = Epsilon;
        return config;
    }
}

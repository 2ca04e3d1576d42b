using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adam with Nesterov momentum, as Keras' <c>Nadam</c> (defaults: learning rate 0.001, β1 0.9, β2 0.999,
/// ε 1e-7). The momentum follows Dozat's schedule <c>μₜ = β1·(1 − ½·0.96ᵗ)</c>; the step is
/// <c>w −= lr·(μₜ₊₁·m/(1 − Πμ·μₜ₊₁) + (1 − μₜ)·g/(1 − Πμ)) / (√(v/(1 − β2ᵗ)) + ε)</c>, Πμ the product of
/// μ₁..μₜ (kept by the optimizer across steps).
/// </summary>
public sealed class Nadam : Optimizer
{
    private double _momentumProduct = 1.0;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">A number or a schedule (default 0.001).</param>
    /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment estimate, in [0, 1).</param>
    /// <param name="epsilon">Added to √v̂ for numerical stability (> 0).</param>
    /// <param name="clipNorm">Per-variable gradient norm limit.</param>
    /// <param name="clipValue">Per-element gradient limit.</param>
    /// <param name="globalClipNorm">Joint gradient norm limit.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public Nadam(LearningRateSchedule? learningRate = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null, float? weightDecay = null)
        : base(learningRate ?? 0.001f, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
        Beta1 = CheckDecayRate(beta1, nameof(beta1));
        Beta2 = CheckDecayRate(beta2, nameof(beta2));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
    }

    /// <summary>Decay of the first-moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment estimate.</summary>
    public float Beta2 { get; }

    /// <summary>The stability constant.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "nadam";

    private double MomentumAt(long step) => Beta1 * (1 - 0.5 * Math.Pow(0.96, step));

    /// <inheritdoc/>
    protected override void BeginStep() => _momentumProduct *= MomentumAt(Iterations + 1);

    /// <inheritdoc/>
    protected override void GetStateValues(IDictionary<string, double> values) => values["momentum_product"] = _momentumProduct;

    /// <inheritdoc/>
    protected override void SetStateValues(IReadOnlyDictionary<string, double> values) =>
        _momentumProduct = values.TryGetValue("momentum_product", out double product) && double.IsFinite(product)
            ? product
            : throw new ArgumentException("Nadam.SetState: the state has no finite 'momentum_product' (the product of the momentum schedule so far).", nameof(values));

    /// <inheritdoc/>
    protected override void UpdateVariable(Tensor variable, Tensor gradient, float learningRate)
    {
        var slots = GetSlots(variable, 2);
        var (momentumFactor, gradientFactor, biasCorrection2) = Factors(learningRate);
        ParameterUpdates.Nadam(variable, gradient, slots[0], slots[1], Beta1, Beta2, momentumFactor, gradientFactor, biasCorrection2, Epsilon);
    }

    /// <summary>This step's cₘ = lr·μₜ₊₁/(1 − Πμ·μₜ₊₁), c_g = lr·(1 − μₜ)/(1 − Πμ) and 1 − β2ᵗ.</summary>
    private (float Momentum, float Gradient, float BiasCorrection2) Factors(float learningRate)
    {
        long t = Iterations + 1;
        double current = MomentumAt(t), next = MomentumAt(t + 1);
        double momentumFactor = learningRate * next / (1 - _momentumProduct * next);
        double gradientFactor = learningRate * (1 - current) / (1 - _momentumProduct);
        double biasCorrection2 = 1 - Math.Pow(Beta2, t);
        return ((float)momentumFactor, (float)gradientFactor, (float)biasCorrection2);
    }

    private protected override bool UpdatesTogether => true;

    private protected override void AddStates(ParameterUpdateSet step, int index)
    {
        var slots = GetSlots(step.Variable(index), 2);
        step.SetState(index, slots[0], slots[1], optimizer: "Nadam");
    }

    private protected override void UpdateTogether(ParameterUpdateSet step, float learningRate)
    {
        var (momentumFactor, gradientFactor, biasCorrection2) = Factors(learningRate);
        ParameterUpdates.Nadam(step, Beta1, Beta2, momentumFactor, gradientFactor, biasCorrection2, Epsilon);
    }

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

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adam, as Keras' <c>Adam</c> (defaults: learning rate 0.001, β1 0.9, β2 0.999, ε 1e-7):
/// <c>m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= α·m/(√v + ε)</c> with
/// <c>α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ)</c>. Note ε is added to √v before the bias correction is applied
/// (PyTorch adds it after), so Keras' ε = 1e-7 behaves like a larger ε in PyTorch early in training.
/// With <see cref="Amsgrad"/>, the running maximum of v is used in place of v.
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">A number or a schedule (default 0.001).</param>
    /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment estimate, in [0, 1).</param>
    /// <param name="epsilon">Added to √v for numerical stability (> 0).</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <param name="clipNorm">Per-variable gradient norm limit.</param>
    /// <param name="clipValue">Per-element gradient limit.</param>
    /// <param name="globalClipNorm">Joint gradient norm limit.</param>
    /// <param name="weightDecay">Decoupled weight decay (see <see cref="AdamW"/>).</param>
    public Adam(LearningRateSchedule? learningRate = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, bool amsgrad = false,
        float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null, float? weightDecay = null)
        : base(learningRate ?? 0.001f, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
        Beta1 = CheckDecayRate(beta1, nameof(beta1));
        Beta2 = CheckDecayRate(beta2, nameof(beta2));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
        Amsgrad = amsgrad;
    }

    /// <summary>Decay of the first-moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment estimate.</summary>
    public float Beta2 { get; }

    /// <summary>The stability constant.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the AMSGrad variant is used.</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    protected override void UpdateVariable(Tensor variable, Tensor gradient, float learningRate)
    {
        var slots = GetSlots(variable, Amsgrad ? 3 : 2);
        ParameterUpdates.Adam(variable, gradient, slots[0], slots[1], Amsgrad ? slots[2] : null, Beta1, Beta2, StepSize(learningRate), Epsilon, WeightScale(learningRate));
    }

    /// <summary>α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ) for this step.</summary>
    private float StepSize(float learningRate)
    {
        long t = Iterations + 1;
        return (float)(learningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t)));
    }

    /// <summary>AdamW's decay w −= lr·wd·w, which rides in the same pass as the step: the factor the weight is scaled by first.</summary>
    private float WeightScale(float learningRate) => WeightDecay is { } decay ? 1f - learningRate * decay : 1f;

    // A subclass may update its own way: only Adam and AdamW themselves take the pass over all variables.
    private protected override bool UpdatesTogether => GetType() == typeof(Adam) || this is AdamW;

    private protected override void AddStates(ParameterUpdateSet step, int index)
    {
        var slots = GetSlots(step.Variable(index), Amsgrad ? 3 : 2);
        step.SetState(index, slots[0], slots[1], Amsgrad ? slots[2] : null, "Adam");
    }

    private protected override void UpdateTogether(ParameterUpdateSet step, float learningRate) =>
        ParameterUpdates.Adam(step, Amsgrad, Beta1, Beta2, StepSize(learningRate), Epsilon, WeightScale(learningRate));

    /// <inheritdoc/>
    protected override bool FusesWeightDecay => true;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["beta_1"] = Beta1;
        config["beta_2"] = Beta2;
        config["epsilon"] = Epsilon;
        config["amsgrad"] = Amsgrad;
        return config;
    }
}

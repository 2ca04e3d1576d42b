using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Stochastic gradient descent with optional momentum and Nesterov momentum, as Keras' <c>SGD</c>
/// (default learning rate 0.01): <c>v = momentum·v − lr·g; w += v</c>, or with Nesterov
/// <c>w += momentum·v − lr·g</c>.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public SGD(LearningRateSchedule? learningRate = null, float momentum = 0f, bool nesterov = false,
        float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null, float? weightDecay = null)
        : base(learningRate ?? 0.01f, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
        Momentum = CheckRange(momentum, nameof(momentum), 0f, 1f);
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor (0 for plain SGD).</summary>
    public float Momentum { get; }

    /// <summary>Whether the momentum is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    protected override void UpdateVariable(Tensor variable, Tensor gradient, float learningRate)
    {
        if (Momentum == 0f)
        {
            ParameterUpdates.Sgd(variable, gradient, learningRate);
            return;
        }
        ParameterUpdates.SgdMomentum(variable, gradient, GetSlots(variable, 1)[0], learningRate, Momentum, Nesterov);
    }

    private protected override bool UpdatesTogether => true;

    private protected override void AddStates(ParameterUpdateSet step, int index)
    {
        if (Momentum != 0f) step.SetState(index, GetSlots(step.Variable(index), 1)[0], optimizer: "SGD");
    }

    private protected override void UpdateTogether(ParameterUpdateSet step, float learningRate)
    {
        if (Momentum == 0f) ParameterUpdates.Sgd(step, learningRate);
        else ParameterUpdates.SgdMomentum(step, learningRate, Momentum, Nesterov);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["momentum"] = Momentum;
        config["nesterov"] = Nesterov;
        return config;
    }
}

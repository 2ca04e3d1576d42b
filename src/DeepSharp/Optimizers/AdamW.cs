namespace DeepSharp;

/// <summary>
/// Adam with decoupled weight decay, as Keras' <c>AdamW</c> (default weight decay 0.004, otherwise Adam's
/// defaults): each step first shrinks every variable by <c>lr · weightDecay · w</c>, then takes Adam's step.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">A number or a schedule (default 0.001).</param>
    /// <param name="weightDecay">The decoupled decay factor (finite, >= 0).</param>
    /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment estimate, in [0, 1).</param>
    /// <param name="epsilon">Added to √v for numerical stability (> 0).</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <param name="clipNorm">Per-variable gradient norm limit.</param>
    /// <param name="clipValue">Per-element gradient limit.</param>
    /// <param name="globalClipNorm">Joint gradient norm limit.</param>
    public AdamW(LearningRateSchedule? learningRate = null, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-7f, bool amsgrad = false, float? clipNorm = null, float? clipValue = null, float? globalClipNorm = null)
        : base(learningRate, beta1, beta2, epsilon, amsgrad, clipNorm, clipValue, globalClipNorm, weightDecay)
    {
    }

    /// <inheritdoc/>
    public override string Name => "adamw";
}

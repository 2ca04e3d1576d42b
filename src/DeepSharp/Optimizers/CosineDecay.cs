using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Keras' <c>CosineDecay</c> with optional linear warmup. Without warmup the rate falls from
/// <see cref="InitialLearningRate"/> as <c>initial·((1 − α)·½(1 + cos(π·step/decaySteps)) + α)</c> and stays at
/// <c>α·initial</c> after <see cref="DecaySteps"/>. With a <see cref="WarmupTarget"/>, it first rises linearly from
/// <see cref="InitialLearningRate"/> to the target over <see cref="WarmupSteps"/> steps, then decays from the target.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0 (finite, >= 0).</param>
    /// <param name="decaySteps">Steps of the cosine decay (> 0).</param>
    /// <param name="alpha">The final rate as a fraction of the decay's starting rate, in [0, 1].</param>
    /// <param name="warmupTarget">The rate reached at the end of the warmup (finite, >= 0), or null for no warmup.</param>
    /// <param name="warmupSteps">Steps of the warmup (>= 0; used only with a <paramref name="warmupTarget"/>).</param>
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha = 0.0, double? warmupTarget = null, long warmupSteps = 0)
    {
        InitialLearningRate = Check(initialLearningRate, nameof(initialLearningRate));
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps));
        if (!double.IsFinite(alpha) || alpha < 0 || alpha > 1)
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"CosineDecay: alpha must be a finite number in [0, 1]; got {alpha}.");
        Alpha = alpha;
        WarmupTarget = warmupTarget is { } target ? Check(target, nameof(warmupTarget)) : null;
        if (warmupSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"CosineDecay: warmupSteps must be >= 0; got {warmupSteps}.");
        WarmupSteps = warmupSteps;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps of the cosine decay.</summary>
    public long DecaySteps { get; }

    /// <summary>The final rate as a fraction of the rate the decay starts from.</summary>
    public double Alpha { get; }

    /// <summary>The rate at the end of the warmup, or null for no warmup.</summary>
    public double? WarmupTarget { get; }

    /// <summary>Steps of the warmup.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc/>
    public override float At(long step)
    {
        if (WarmupTarget is not { } target)
            return (float)Decayed(Math.Min(step, DecaySteps), InitialLearningRate);
        double s = Math.Min(step, DecaySteps + WarmupSteps);
        if (s < WarmupSteps)
            return (float)((target - InitialLearningRate) * (s / WarmupSteps) + InitialLearningRate);
        return (float)Decayed(s - WarmupSteps, target);
    }

    private double Decayed(double step, double from)
    {
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * step / DecaySteps));
        return from * ((1 - Alpha) * cosine + Alpha);
    }

    /// <inheritdoc/>
    public override JsonNode GetConfig() => Serialized(new JsonObject
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["alpha"] = Alpha,
        ["warmup_target"] = WarmupTarget,
        ["warmup_steps"] = WarmupSteps,
    });
}

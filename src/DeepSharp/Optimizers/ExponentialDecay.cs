using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Keras' <c>ExponentialDecay</c>: <c>initialLearningRate · decayRate^(step / decaySteps)</c>, the exponent
/// rounded down when <see cref="Staircase"/> (the rate then drops once every <see cref="DecaySteps"/> steps).
/// </summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0 (finite, >= 0).</param>
    /// <param name="decaySteps">Steps over which the rate is multiplied by <paramref name="decayRate"/> once (> 0).</param>
    /// <param name="decayRate">The factor per <paramref name="decaySteps"/> steps (finite, > 0).</param>
    /// <param name="staircase">Whether to decay in whole steps of <paramref name="decaySteps"/>.</param>
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    {
        InitialLearningRate = Check(initialLearningRate, nameof(initialLearningRate));
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps));
        DecayRate = Check(decayRate, nameof(decayRate), exclusive: true);
        Staircase = staircase;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps per factor of <see cref="DecayRate"/>.</summary>
    public long DecaySteps { get; }

    /// <summary>The factor per <see cref="DecaySteps"/> steps.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the rate changes only every <see cref="DecaySteps"/> steps.</summary>
    public bool Staircase { get; }

    /// <inheritdoc/>
    public override float At(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate * Math.Pow(DecayRate, p));
    }

    /// <inheritdoc/>
    public override JsonNode GetConfig() => Serialized(new JsonObject
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["decay_rate"] = DecayRate,
        ["staircase"] = Staircase,
    });
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Keras' <c>InverseTimeDecay</c>: <c>initialLearningRate / (1 + decayRate · step / decaySteps)</c>, the
/// ratio <c>step / decaySteps</c> rounded down when <see cref="Staircase"/>.
/// </summary>
public sealed class InverseTimeDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0 (finite, >= 0).</param>
    /// <param name="decaySteps">The step unit of the decay (> 0).</param>
    /// <param name="decayRate">How fast the rate falls (finite, >= 0).</param>
    /// <param name="staircase">Whether to decay in whole steps of <paramref name="decaySteps"/>.</param>
    public InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    {
        InitialLearningRate = Check(initialLearningRate, nameof(initialLearningRate));
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps));
        DecayRate = Check(decayRate, nameof(decayRate));
        Staircase = staircase;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>The step unit of the decay.</summary>
    public long DecaySteps { get; }

    /// <summary>How fast the rate falls.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the rate changes only every <see cref="DecaySteps"/> steps.</summary>
    public bool Staircase { get; }

    /// <inheritdoc/>
    public override float At(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate / (1 + DecayRate * p));
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

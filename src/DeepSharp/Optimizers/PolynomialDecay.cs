using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Keras' <c>PolynomialDecay</c>: from <see cref="InitialLearningRate"/> down to <see cref="EndLearningRate"/>
/// over <see cref="DecaySteps"/> steps as <c>(initial − end)·(1 − step/decaySteps)^power + end</c>, then flat;
/// with <see cref="Cycle"/> the decay restarts, each cycle over the next multiple of <see cref="DecaySteps"/>.
/// </summary>
public sealed class PolynomialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0 (finite, >= 0).</param>
    /// <param name="decaySteps">Steps to reach the end rate (> 0).</param>
    /// <param name="endLearningRate">The final rate (finite, >= 0).</param>
    /// <param name="power">The exponent of the polynomial (finite, > 0); 1 is linear.</param>
    /// <param name="cycle">Whether to restart the decay after <paramref name="decaySteps"/>.</param>
    public PolynomialDecay(double initialLearningRate, long decaySteps, double endLearningRate = 0.0001, double power = 1.0, bool cycle = false)
    {
        InitialLearningRate = Check(initialLearningRate, nameof(initialLearningRate));
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps));
        EndLearningRate = Check(endLearningRate, nameof(endLearningRate));
        Power = Check(power, nameof(power), exclusive: true);
        Cycle = cycle;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps to reach <see cref="EndLearningRate"/>.</summary>
    public long DecaySteps { get; }

    /// <summary>The final rate.</summary>
    public double EndLearningRate { get; }

    /// <summary>The exponent of the polynomial.</summary>
    public double Power { get; }

    /// <summary>Whether the decay restarts.</summary>
    public bool Cycle { get; }

    /// <inheritdoc/>
    public override float At(long step)
    {
        double s = step, decaySteps = DecaySteps;
        if (Cycle) decaySteps *= step == 0 ? 1 : Math.Ceiling(s / DecaySteps);
        else s = Math.Min(s, decaySteps);
        double p = s / decaySteps;
        return (float)((InitialLearningRate - EndLearningRate) * Math.Pow(1 - p, Power) + EndLearningRate);
    }

    /// <inheritdoc/>
    public override JsonNode GetConfig() => Serialized(new JsonObject
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["end_learning_rate"] = EndLearningRate,
        ["power"] = Power,
        ["cycle"] = Cycle,
    });
}

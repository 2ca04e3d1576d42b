using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Another schedule, multiplied by <see cref="Scale"/> and reached by a linear warm-up: at step <c>t</c> the rate is
/// <c>scale · schedule(t) · f(t)</c>, where <c>f</c> rises linearly from <see cref="StartFactor"/> at step 0 to 1 at
/// <see cref="WarmupSteps"/> and stays 1 after (PyTorch's <c>LinearLR</c> warm-up, on any schedule).
/// With <c>scale = k</c> and <c>startFactor = 1/k</c> it is Goyal et al.'s rule for k data-parallel ranks
/// (the Distributed layer's <c>LearningRateScaling.Scale</c>).
/// </summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="schedule">The schedule warmed up and scaled.</param>
    /// <param name="warmupSteps">Steps of the warm-up (>= 0; 0: none).</param>
    /// <param name="startFactor">The fraction of the scaled rate used at step 0, in [0, 1].</param>
    /// <param name="scale">The factor applied to <paramref name="schedule"/> (finite, > 0).</param>
    public LinearWarmup(LearningRateSchedule schedule, long warmupSteps, double startFactor = 0, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
        if (warmupSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"LinearWarmup: warmupSteps must be >= 0; got {warmupSteps}.");
        WarmupSteps = warmupSteps;
        if (!double.IsFinite(startFactor) || startFactor < 0 || startFactor > 1)
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, $"LinearWarmup: startFactor must be a finite number in [0, 1]; got {startFactor}.");
        StartFactor = startFactor;
        Scale = Check(scale, nameof(scale), exclusive: true);
    }

    /// <summary>The schedule warmed up and scaled.</summary>
    public LearningRateSchedule Schedule { get; }

    /// <summary>Steps of the warm-up.</summary>
    public long WarmupSteps { get; }

    /// <summary>The fraction of the scaled rate used at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor applied to <see cref="Schedule"/>.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override float At(long step)
    {
        double warm = step >= WarmupSteps ? 1 : StartFactor + (1 - StartFactor) * Math.Max(step, 0) / WarmupSteps;
        return (float)(Scale * warm * Schedule.At(step));
    }

    /// <inheritdoc/>
    public override JsonNode GetConfig() => Serialized(new JsonObject
    {
        ["schedule"] = Schedule.GetConfig(),
        ["warmup_steps"] = WarmupSteps,
        ["start_factor"] = StartFactor,
        ["scale"] = Scale,
    });
}

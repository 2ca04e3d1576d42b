namespace DeepSharp;

/// <summary>
/// Goyal et al.'s linear scaling rule ("Accurate, Large Minibatch SGD", 2017), as Horovod recommends: with k ranks
/// the global batch is k times larger, so the learning rate is multiplied by k, reached by a linear warm-up from the
/// one-rank rate (their warm-up lasted 5 epochs) so that the first steps of a large batch do not diverge.
/// </summary>
public static class LearningRateScaling
{
    /// <summary>
    /// <paramref name="schedule"/> scaled by <paramref name="ranks"/>, starting at the unscaled rate and rising
    /// linearly to the scaled one over <paramref name="warmupSteps"/> steps.
    /// </summary>
    /// <param name="schedule">The learning rate of one rank (a number converts).</param>
    /// <param name="ranks">The number of ranks (> 0; 1 returns the schedule as it is).</param>
    /// <param name="warmupSteps">Steps of the warm-up (>= 0), for example 5 epochs' worth.</param>
    public static LearningRateSchedule Scale(LearningRateSchedule schedule, int ranks, long warmupSteps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (ranks <= 0) throw new ArgumentOutOfRangeException(nameof(ranks), ranks, $"LearningRateScaling: ranks must be > 0; got {ranks}.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"LearningRateScaling: warmupSteps must be >= 0; got {warmupSteps}.");
        return ranks == 1 ? schedule : new LinearWarmup(schedule, warmupSteps, startFactor: 1.0 / ranks, scale: ranks);
    }
}

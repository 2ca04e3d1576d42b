namespace DeepSharp.Tests.Distributed;

public class LearningRateScalingTests
{
    [Fact]
    public void The_rate_rises_from_one_ranks_to_k_times_it_over_the_warmup()
    {
        var schedule = LearningRateScaling.Scale(0.1f, ranks: 4, warmupSteps: 10);
        Assert.Equal(0.1f, schedule.At(0), 6);
        Assert.Equal(0.25f, schedule.At(5), 6);     // halfway from 0.1 to 0.4
        Assert.Equal(0.4f, schedule.At(10), 6);
        Assert.Equal(0.4f, schedule.At(1000), 6);
    }

    [Fact]
    public void A_decaying_schedule_is_scaled_at_every_step()
    {
        var decay = new ExponentialDecay(0.1, decaySteps: 10, decayRate: 0.5);
        var schedule = LearningRateScaling.Scale(decay, ranks: 2, warmupSteps: 0);
        Assert.Equal(2 * decay.At(20), schedule.At(20), 6);
    }

    [Fact]
    public void One_rank_keeps_the_schedule_and_bad_counts_are_refused()
    {
        LearningRateSchedule rate = 0.1f;
        Assert.Same(rate, LearningRateScaling.Scale(rate, 1, 100));
        Assert.Contains("ranks must be > 0; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateScaling.Scale(rate, 0, 1)).Message);
        Assert.Contains("warmupSteps must be >= 0; got -1", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateScaling.Scale(rate, 2, -1)).Message);
    }
}

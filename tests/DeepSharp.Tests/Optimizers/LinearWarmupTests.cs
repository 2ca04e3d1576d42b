namespace DeepSharp.Tests.Optimizers;

public class LinearWarmupTests
{
    [Fact]
    public void Warmup_multiplies_the_scaled_schedule_by_a_factor_rising_to_one()
    {
        var warmup = new LinearWarmup(0.2f, warmupSteps: 4, startFactor: 0.5, scale: 3);
        Assert.Equal(0.3f, warmup.At(0), 6);          // 3 · 0.2 · 0.5
        Assert.Equal(0.45f, warmup.At(2), 6);         // 3 · 0.2 · 0.75
        Assert.Equal(0.6f, warmup.At(4), 6);
        Assert.Equal(0.6f, warmup.At(99), 6);
        Assert.Equal(0.2f, new LinearWarmup(0.2f, warmupSteps: 0).At(0), 6);
    }

    [Fact]
    public void Its_config_round_trips_with_the_schedule_inside()
    {
        var warmup = new LinearWarmup(new CosineDecay(0.1, decaySteps: 100), warmupSteps: 5, startFactor: 0.25, scale: 4);
        var again = Assert.IsType<LinearWarmup>(LearningRateSchedule.FromConfig(warmup.GetConfig()));
        Assert.Equal(warmup.GetConfig().ToJsonString(), again.GetConfig().ToJsonString());
        for (int step = 0; step < 120; step += 7) Assert.Equal(warmup.At(step), again.At(step));
    }

    [Fact]
    public void Bad_arguments_are_refused_with_their_names()
    {
        Assert.Contains("warmupSteps must be >= 0; got -1", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(0.1f, -1)).Message);
        Assert.Contains("startFactor must be a finite number in [0, 1]; got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(0.1f, 1, 1.5)).Message);
        Assert.Contains("scale must be a finite number > 0; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(0.1f, 1, 0, 0)).Message);
        Assert.Throws<ArgumentNullException>(() => new LinearWarmup(null!, 1));
    }
}

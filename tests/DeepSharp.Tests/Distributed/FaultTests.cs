namespace DeepSharp.Tests.Distributed;

/// <summary>A rank that dies, or a collective that never completes, ends the run within seconds with our message: never a hang.</summary>
public class FaultTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1)]
    [InlineData(0)]   // rank 0 is the monitor's hub: the others see its end themselves
    public void A_killed_rank_ends_the_others_with_a_message_naming_it(int victim)
    {
        // The runner's own limit is longer than the test's, so that a slow end is reported with its output.
        var run = MpiRun.Ranks(2, TimeSpan.FromSeconds(90), "kill", $"{victim}");
        int survivor = 1 - victim;
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.True(run.Elapsed < Limit, $"the run took {run.Elapsed.TotalSeconds:0.0} s to end\n{run}");
        Assert.Contains($"killing myself", string.Join('\n', run.Lines(victim)));
        Assert.Contains($"DeepSharp rank {survivor} of 2: rank {victim} (pid ", run.Error);
        Assert.Contains("was lost", run.Error);
    }

    [Fact]
    public void A_collective_that_waits_past_its_timeout_ends_the_run_with_a_message()
    {
        var run = MpiRun.Ranks(2, TimeSpan.FromSeconds(90), "stall", "2");
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.True(run.Elapsed < Limit, $"the run took {run.Elapsed.TotalSeconds:0.0} s to end\n{run}");
        Assert.Contains("DeepSharp rank 0 of 2: An all-reduce of 10 values (collective #", run.Error);
        Assert.Contains("the collective timeout is 2 s", run.Error);
        Assert.DoesNotContain("the second all-reduce completed", run.Output);
    }

    [Fact]
    public void A_rank_that_finishes_after_the_others_timeout_is_no_fault()
    {
        var run = MpiRun.Ranks(2, TimeSpan.FromSeconds(90), "late", "1");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("done", run.Lines(0));
        Assert.Contains("done", run.Lines(1));
        Assert.DoesNotContain("DeepSharp rank", run.Error);
    }
}

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// The Open MPI parameters DeepSharp sets before MPI starts, as MPI itself reports them (its tool interface): its
/// defaults, a launch's own setting winning over them, and the option that turns them off.
/// </summary>
public class OpenMpiParametersTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Shared_memory_fragments_are_128_KiB_by_default()
    {
        var run = MpiRun.Ranks(2, Timeout, "parameters");
        Assert.True(run.ExitCode == 0, run.ToString());
        for (int r = 0; r < 2; r++)
        {
            Assert.Contains("btl_vader_max_send_size 131072", run.Lines(r));
            Assert.Contains("btl_vader_eager_limit 65536", run.Lines(r));
        }
    }

    [Fact]
    public void A_launch_that_sets_either_size_keeps_both_of_its_own()
    {
        var mine = new Dictionary<string, string> { ["OMPI_MCA_btl_vader_max_send_size"] = "65536" };
        var run = MpiRun.Ranks(2, Timeout, mine, "parameters");
        Assert.True(run.ExitCode == 0, run.ToString());
        for (int r = 0; r < 2; r++)
        {
            Assert.Contains("btl_vader_max_send_size 65536", run.Lines(r));
            Assert.Contains("btl_vader_eager_limit 4096", run.Lines(r));   // Open MPI's own, not DeepSharp's 65536
        }
    }

    [Fact]
    public void The_option_off_leaves_Open_MPIs_sizes()
    {
        var run = MpiRun.Ranks(2, Timeout, "parameters", "off");
        Assert.True(run.ExitCode == 0, run.ToString());
        for (int r = 0; r < 2; r++)
        {
            Assert.Contains("btl_vader_max_send_size 32768", run.Lines(r));
            Assert.Contains("btl_vader_eager_limit 4096", run.Lines(r));
        }
    }
}

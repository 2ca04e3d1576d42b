namespace DeepSharp.Tests.Distributed;

public class LaunchEnvironmentTests
{
    private static LaunchEnvironment From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return LaunchEnvironment.FromVariables(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void Open_MPI_variables_give_rank_size_and_local_rank()
    {
        var launch = From(("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_RANK", "3"),
                          ("OMPI_COMM_WORLD_LOCAL_SIZE", "2"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"));
        Assert.True(launch.IsOpenMpi);
        Assert.Equal((3, 4, 1, 2), (launch.Rank, launch.Size, launch.LocalRank, launch.LocalSize));
        Assert.Equal("Open MPI launch: rank 3 of 4 (local rank 1 of 2)", launch.ToString());
    }

    [Fact]
    public void No_variables_mean_one_process()
    {
        var launch = From();
        Assert.False(launch.IsOpenMpi);
        Assert.Equal((0, 1, 0, 1), (launch.Rank, launch.Size, launch.LocalRank, launch.LocalSize));
        Assert.Null(launch.OtherLauncher);
    }

    [Fact]
    public void Another_MPI_launcher_is_recognised_so_that_the_message_can_name_it()
    {
        var launch = From(("PMI_SIZE", "2"), ("PMI_RANK", "0"));
        Assert.False(launch.IsOpenMpi);
        Assert.Contains("PMI_SIZE=2", launch.OtherLauncher);
    }

    [Theory]
    [InlineData("two", "0")]
    [InlineData("2", "2")]
    [InlineData("0", "0")]
    [InlineData("2", "-1")]
    public void Invalid_variables_are_refused_with_their_name_and_value(string size, string rank)
    {
        var e = Assert.Throws<DistributedException>(() => From(("OMPI_COMM_WORLD_SIZE", size), ("OMPI_COMM_WORLD_RANK", rank)));
        Assert.Matches("OMPI_COMM_WORLD_(SIZE|RANK) must be a whole number in \\[", e.Message);
        Assert.Contains("got '", e.Message);
    }
}

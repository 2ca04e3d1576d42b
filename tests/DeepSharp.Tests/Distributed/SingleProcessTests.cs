namespace DeepSharp.Tests.Distributed;

/// <summary>Without a launcher nothing touches MPI; asking for MPI where it is missing says what to install.</summary>
public class SingleProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private const string Missing = "/nonexistent/libmpi.so.40";

    [Fact]
    public void Without_a_launcher_Start_gives_the_single_process_communicator()
    {
        Assert.False(Communicator.Launch.IsOpenMpi);
        var communicator = Communicator.Start();
        Assert.Same(SingleProcessCommunicator.Instance, communicator);
        Assert.Equal((0, 1, 0, 1), (communicator.Rank, communicator.Size, communicator.LocalRank, communicator.LocalSize));
        Assert.Null(Communicator.Current);
    }

    [Fact]
    public void A_program_runs_without_the_MPI_library_when_no_launcher_started_it()
    {
        // The library named does not exist: a single-process run never asks for it.
        var run = MpiRun.Alone(Timeout, new Dictionary<string, string> { ["DEEPSHARP_MPI_LIBRARY"] = Missing }, "collectives");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"started as rank 0 of 1 (single process) on {Environment.MachineName}, local rank 0 of 1", run.Lines(0)[0]);
        Assert.Contains("OK", run.Lines(0));
    }

    [Fact]
    public void A_launched_rank_without_the_MPI_library_is_told_what_to_install()
    {
        var launched = new Dictionary<string, string>
        {
            ["DEEPSHARP_MPI_LIBRARY"] = Missing,
            ["OMPI_COMM_WORLD_SIZE"] = "1", ["OMPI_COMM_WORLD_RANK"] = "0",
            ["OMPI_COMM_WORLD_LOCAL_SIZE"] = "1", ["OMPI_COMM_WORLD_LOCAL_RANK"] = "0",
        };
        var run = MpiRun.Alone(Timeout, launched, "collectives");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"Open MPI's library '{Missing}' could not be loaded", run.Error);
        Assert.Contains("apt-get install openmpi-bin", run.Error);
    }

    [Fact]
    public void Probing_a_missing_library_says_what_to_install()
    {
        var e = Assert.Throws<DistributedException>(() => OpenMpiCommunicator.ProbeLibrary(Missing));
        Assert.Contains("apt-get install openmpi-bin", e.Message);
        Assert.Null(e.LostRank);
    }

    [Fact]
    public void Probing_the_installed_library_names_Open_MPI_4()
    {
        MpiRun.Mpirun();   // fails with the install command where Open MPI is missing
        Assert.StartsWith("Open MPI v4.", OpenMpiCommunicator.ProbeLibrary());
    }

    [Fact]
    public void Requiring_distributed_training_without_a_launcher_says_how_to_launch()
    {
        var e = Assert.Throws<DistributedException>(() => Communicator.Start(new DistributedOptions { RequireDistributed = true }));
        Assert.Contains("not started by Open MPI's mpirun", e.Message);
        Assert.Contains("mpirun -np 2 --bind-to none", e.Message);
    }

    [Fact]
    public void The_single_process_communicator_leaves_values_as_they_are_and_checks_its_arguments()
    {
        var c = SingleProcessCommunicator.Instance;
        float[] values = [1f, -2f, 3.5f];
        foreach (var operation in Enum.GetValues<ReduceOperation>()) c.AllReduce(values, operation);
        c.Broadcast(values.AsSpan(), 0);
        c.Barrier();
        Assert.Equal([1f, -2f, 3.5f], values);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => c.Broadcast(values.AsSpan(), 1));
        Assert.Contains("root must be a rank in [0, 0]; got 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => c.AllReduce(values, (ReduceOperation)9));
    }
}

namespace DeepSharp.Tests.Distributed;

/// <summary>The Open MPI communicator under a real mpirun: values of every collective, and bit-identical results on every rank.</summary>
public class OpenMpiCommunicatorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]   // not a power of two: Open MPI's recursive doubling folds the extra rank in
    public void Collectives_give_the_expected_values_and_the_same_bits_on_every_rank(int ranks)
    {
        var run = MpiRun.Ranks(ranks, Timeout, "collectives");
        Assert.True(run.ExitCode == 0, run.ToString());
        var hashes = Enumerable.Range(0, ranks).Select(r => run.Lines(r).Where(l => l.StartsWith("hash ", StringComparison.Ordinal)).ToArray()).ToArray();
        for (int r = 0; r < ranks; r++)
        {
            Assert.Contains("OK", run.Lines(r));
            Assert.Contains($"started as rank {r} of {ranks} (Open MPI v", string.Join('\n', run.Lines(r)));
            Assert.Equal(24, hashes[r].Length);               // 6 lengths × 4 operations
            Assert.Equal(hashes[0], hashes[r]);
        }
    }

    [Fact]
    public void Sums_in_shared_memory_have_the_bits_of_MPI_Allreduce_for_two_ranks()
    {
        // 100,000 and 1,000,003 values go through shared memory, the shorter ones through MPI_Allreduce either way.
        var shared = MpiRun.Ranks(2, Timeout, "collectives");
        var mpi = MpiRun.Ranks(2, Timeout, new Dictionary<string, string> { ["DEEPSHARP_ALLREDUCE"] = "mpi" }, "collectives");
        Assert.True(shared.ExitCode == 0, shared.ToString());
        Assert.True(mpi.ExitCode == 0, mpi.ToString());
        Assert.Contains("sums in shared memory True", shared.Lines(0));
        Assert.Contains("sums in shared memory False", mpi.Lines(0));
        for (int r = 0; r < 2; r++)
        {
            string[] Hashes(MpiRun.Result run) => [.. run.Lines(r).Where(l => l.StartsWith("hash ", StringComparison.Ordinal))];
            Assert.Equal(24, Hashes(shared).Length);
            Assert.Equal(Hashes(mpi), Hashes(shared));
        }
    }
}

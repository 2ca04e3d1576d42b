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
}

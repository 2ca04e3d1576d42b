namespace DeepSharp.Tests.Distributed;

/// <summary>
/// Data-parallel training over a real mpirun: two ranks with half a batch each train as one process with the
/// whole batch, and the replicas stay bit-identical after every step.
/// </summary>
public class DistributedTrainingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Two_ranks_with_half_batches_train_as_one_rank_with_the_whole_batch()
    {
        string dir = Directory.CreateTempSubdirectory("deepsharp-mpi-").FullName;
        try
        {
            const int steps = 20, batch = 16;
            var two = MpiRun.Ranks(2, Timeout, "train", $"{steps}", $"{batch}", Path.Combine(dir, "two.bin"));
            Assert.True(two.ExitCode == 0, two.ToString());
            var one = MpiRun.Alone(Timeout, null, "train", $"{steps}", $"{batch}", Path.Combine(dir, "one.bin"));
            Assert.True(one.ExitCode == 0, one.ToString());

            // Bit-identical replicas: the weights' hash is the same on both ranks after the broadcast and after every step.
            var hashes0 = two.Lines(0).Where(l => l.StartsWith("step ", StringComparison.Ordinal) && l.Contains(" hash ", StringComparison.Ordinal)).ToArray();
            var hashes1 = two.Lines(1).Where(l => l.StartsWith("step ", StringComparison.Ordinal) && l.Contains(" hash ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(steps + 1, hashes0.Length);
            Assert.Equal(hashes0, hashes1);

            // In steady state a step's averaging and update allocate nothing (buckets and state are kept).
            foreach (var rank in new[] { 0, 1 })
            {
                var allocations = two.Lines(rank).Where(l => l.Contains("bytes allocated", StringComparison.Ordinal)).ToArray();
                Assert.Equal(steps / 2 - 1, allocations.Length);
                Assert.All(allocations, l => Assert.EndsWith("with 0 bytes allocated", l));
            }

            // Same training: relative to the largest weight of each tensor (elementwise ratios of values near 0 measure only rounding).
            var expected = ReadWeights(Path.Combine(dir, "one.bin"));
            var actual = ReadWeights(Path.Combine(dir, "two.bin"));
            Assert.Equal(expected.Length, actual.Length);
            var initial = hashes0[0];
            Assert.NotEqual(initial, hashes0[^1]);              // it did train
            for (int t = 0; t < expected.Length; t++)
            {
                Assert.Equal(expected[t].Length, actual[t].Length);
                float scale = expected[t].Max(Math.Abs);
                float worst = expected[t].Zip(actual[t], (e, a) => Math.Abs(e - a)).Max() / scale;
                Assert.True(worst <= 1e-5f, $"tensor {t}: max relative difference {worst:g3} > 1e-5");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Fit_over_two_ranks_with_half_batches_trains_as_one_rank_with_the_whole_batch()
    {
        string dir = Directory.CreateTempSubdirectory("deepsharp-mpi-").FullName;
        try
        {
            // 20 steps of a global batch of 32: 16 samples a rank over two ranks, 32 in one process.
            const int steps = 20, batch = 32;
            var two = MpiRun.Ranks(2, Timeout, "fit", $"{steps}", $"{batch}", Path.Combine(dir, "two.bin"));
            Assert.True(two.ExitCode == 0, two.ToString());
            var one = MpiRun.Alone(Timeout, null, "fit", $"{steps}", $"{batch}", Path.Combine(dir, "one.bin"));
            Assert.True(one.ExitCode == 0, one.ToString());

            // Bit-identical replicas after every step (the hash covers every weight).
            string[] Hashes(MpiRun.Result run, int rank) => [.. run.Lines(rank).Where(l => l.StartsWith("step ", StringComparison.Ordinal))];
            Assert.Equal(steps, Hashes(two, 0).Length);
            Assert.Equal(Hashes(two, 0), Hashes(two, 1));
            Assert.NotEqual(Hashes(two, 0)[0], Hashes(two, 0)[^1]);

            // The same weights and history as one process, within rounding.
            var expected = ReadWeights(Path.Combine(dir, "one.bin"));
            var actual = ReadWeights(Path.Combine(dir, "two.bin"));
            Assert.Equal(expected.Length, actual.Length);
            for (int t = 0; t < expected.Length; t++)
            {
                float scale = expected[t].Max(Math.Abs);
                float worst = expected[t].Zip(actual[t], (e, a) => Math.Abs(e - a)).Max() / scale;
                Assert.True(worst <= 1e-5f, $"tensor {t}: max relative difference {worst:g3} > 1e-5");
            }
            var alone = History(one, 0);
            Assert.Equal(["accuracy", "loss", "val_accuracy", "val_loss"], alone.Keys.Order());
            foreach (int rank in new[] { 0, 1 })
                foreach (var (key, values) in alone)
                    for (int e = 0; e < values.Length; e++)
                        Assert.True(Math.Abs(values[e] - History(two, rank)[key][e]) <= 1e-5 * Math.Max(1, Math.Abs(values[e])), $"rank {rank}: {key} {e}");

            // The callback that writes files ran on rank 0 alone.
            Assert.Contains("rank-0-only callback ran 2 epochs", two.Lines(0));
            Assert.Contains("rank-0-only callback ran 0 epochs", two.Lines(1));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Fit_divides_each_ranks_gradients_in_backward_to_the_bits_of_a_pass_after_the_all_reduce()
    {
        // Two ranks with equal shares: backward seeded with 1/2 halves every gradient exactly, so the weights are those of
        // the path that sums whole gradients and halves the sums (DEEPSHARP_GRADIENT_SCALE=separate), bit for bit.
        string dir = Directory.CreateTempSubdirectory("deepsharp-mpi-").FullName;
        try
        {
            const int steps = 20, batch = 32;
            var seeded = MpiRun.Ranks(2, Timeout, "fit", $"{steps}", $"{batch}", Path.Combine(dir, "seeded.bin"));
            Assert.True(seeded.ExitCode == 0, seeded.ToString());
            var separate = MpiRun.Ranks(2, Timeout, new Dictionary<string, string> { ["DEEPSHARP_GRADIENT_SCALE"] = "separate" },
                "fit", $"{steps}", $"{batch}", Path.Combine(dir, "separate.bin"));
            Assert.True(separate.ExitCode == 0, separate.ToString());
            string[] Hashes(MpiRun.Result run) => [.. run.Lines(0).Where(l => l.StartsWith("step ", StringComparison.Ordinal))];
            Assert.Equal(steps, Hashes(seeded).Length);
            Assert.Equal(Hashes(separate), Hashes(seeded));
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "separate.bin")), File.ReadAllBytes(Path.Combine(dir, "seeded.bin")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The "history key v1 v2" lines a rank printed.</summary>
    private static Dictionary<string, double[]> History(MpiRun.Result run, int rank) => run.Lines(rank)
        .Where(l => l.StartsWith("history ", StringComparison.Ordinal))
        .Select(l => l.Split(' '))
        .ToDictionary(p => p[1], p => p[2..].Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray());

    private static float[][] ReadWeights(string path)
    {
        using var file = new BinaryReader(File.OpenRead(path));
        var tensors = new float[file.ReadInt32()][];
        for (int t = 0; t < tensors.Length; t++)
        {
            tensors[t] = new float[file.ReadInt32()];
            for (int i = 0; i < tensors[t].Length; i++) tensors[t][i] = file.ReadSingle();
        }
        return tensors;
    }
}

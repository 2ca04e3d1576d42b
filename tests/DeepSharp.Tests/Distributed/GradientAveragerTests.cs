namespace DeepSharp.Tests.Distributed;

public class GradientAveragerTests
{
    private static Tensor[] Variables() => [Tensor.Zeros(2, 3), Tensor.Zeros(4), Tensor.Zeros(1), Tensor.Zeros(5)];

    /// <summary>Rank r's gradient of variable i at position k.</summary>
    private static float Value(int rank, int index, int k) => (rank + 1) * 0.25f + index * 10 + k;

    private static Tensor?[] Gradients(Tensor[] variables, int rank) => RankGradients.Of(variables, rank, Value);

    [Theory]
    [InlineData(GradientAverager.DefaultBucketValues, 1)]
    [InlineData(6, 3)]   // 5 | 1+4 | 6: whole variables per bucket, filled from the last variable
    [InlineData(1, 4)]   // every variable alone
    public void Averages_are_the_mean_over_ranks_whatever_the_buckets(int bucketValues, int buckets)
    {
        var results = InProcessGroup.Run(3, c =>
        {
            var variables = Variables();
            var gradients = Gradients(variables, c.Rank);
            var averager = new GradientAverager(c, bucketValues);
            var averaged = averager.Average(gradients, variables);
            Assert.Equal(buckets, averager.BucketCount);
            for (int i = 0; i < gradients.Length; i++) Assert.Same(gradients[i], averaged[i]);   // in place
            return averaged.Select(g => g!.ToArray()).ToArray();
        });
        var variables = Variables();
        for (int i = 0; i < variables.Length; i++)
        {
            var expected = Enumerable.Range(0, variables[i].Size).Select(k => (0.25f + 0.5f + 0.75f) / 3 + i * 10 + k).ToArray();
            for (int r = 0; r < 3; r++)
                for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], results[r][i][k], 5);
        }
    }

    [Fact]
    public void A_gradient_missing_on_every_rank_stays_missing_and_one_missing_somewhere_counts_as_zeros()
    {
        var results = InProcessGroup.Run(2, c =>
        {
            var variables = Variables();
            Tensor?[] gradients = [RankGradients.Of(variables[0], c.Rank, 0, Value), null, c.Rank == 0 ? null : Tensor.FromArray([4f], 1), null];
            var averaged = new GradientAverager(c).Average(gradients, variables);
            return (Second: averaged[1], Third: averaged[2]?.ToArray(), Fourth: averaged[3]);
        });
        foreach (var (second, third, fourth) in results)
        {
            Assert.Null(second);
            Assert.Null(fourth);
            Assert.Equal([2f], third!);      // (0 + 4) / 2: rank 0 had none and gets a new tensor
        }
    }

    [Theory]
    [InlineData(GradientAverager.DefaultBucketValues)]
    [InlineData(6)]   // the weights and sums ride in the first bucket sent
    public void A_weighted_average_counts_each_rank_by_its_weight_and_adds_up_the_sums(int bucketValues)
    {
        float[] weights = [3f, 1f, 0f];
        var results = InProcessGroup.Run(3, c =>
        {
            var variables = Variables();
            var gradients = Gradients(variables, c.Rank);
            Span<float> sums = [c.Rank + 1f, 10f];
            var averaged = new GradientAverager(c, bucketValues).Average(gradients, variables, weights[c.Rank], sums);
            return (Gradients: averaged.Select(g => g!.ToArray()).ToArray(), Sums: sums.ToArray());
        });
        var variables = Variables();
        foreach (var (gradients, sums) in results)
        {
            Assert.Equal([6f, 30f], sums);
            for (int i = 0; i < variables.Length; i++)
                for (int k = 0; k < variables[i].Size; k++)
                    Assert.Equal((3 * 0.25f + 1 * 0.5f) / 4 + i * 10 + k, gradients[i][k], 5);   // rank 2's weight is 0
        }
        Assert.Equal(results[0].Gradients.SelectMany(g => g), results[2].Gradients.SelectMany(g => g));   // the same bits everywhere
    }

    [Fact]
    public void When_every_weight_is_zero_no_gradient_is_returned_and_bad_weights_are_refused()
    {
        var results = InProcessGroup.Run(2, c =>
        {
            var variables = Variables();
            var gradients = Gradients(variables, c.Rank);
            return new GradientAverager(c).Average(gradients, variables, 0f, default).ToArray();
        });
        Assert.All(results.SelectMany(r => r), Assert.Null);
        var averager = new GradientAverager(SingleProcessCommunicator.Instance);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => averager.Average([null, null, null, null], Variables(), -1f, default));
        Assert.Contains("weight must be a finite number >= 0; got -1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => averager.Average([null, null, null, null], Variables(), float.NaN, default));
    }

    [Theory]
    [InlineData(true, 3)]    // three variables of 100k values: buckets of an eighth of the model, at least 64 Ki
    [InlineData(false, 1)]   // no overlap to win: one bucket, as large as bucketValues allows
    public void Without_overlap_the_automatic_sizing_makes_one_bucket(bool overlaps, int buckets)
    {
        var results = InProcessGroup.Run(2, c =>
        {
            Tensor[] variables = [Tensor.Zeros(100, 1000), Tensor.Zeros(100_000), Tensor.Zeros(1000, 100)];
            var gradients = Gradients(variables, c.Rank);
            var averager = new GradientAverager(c) { Overlaps = overlaps };
            var averaged = averager.Average(gradients, variables);
            Assert.Equal(buckets, averager.BucketCount);
            return averaged.Select(g => g!.ToArray()).ToArray();
        });
        Assert.Equal(results[0], results[1]);
        Assert.Equal(0.25f * 1.5f, results[0][0][0]);   // (0.25 + 0.5) / 2, the first value of variable 0
    }

    [Fact]
    public void One_rank_returns_the_gradients_untouched()
    {
        var variables = Variables();
        var gradients = Gradients(variables, 0);
        var before = gradients.Select(g => g!.ToArray()).ToArray();
        var averager = new GradientAverager(SingleProcessCommunicator.Instance);
        var averaged = averager.Average(gradients, variables);
        Assert.Equal(0, averager.BucketCount);
        for (int i = 0; i < gradients.Length; i++)
        {
            Assert.Same(gradients[i], averaged[i]);
            Assert.Equal(before[i], averaged[i]!.ToArray());
        }
    }

    [Fact]
    public void Ranks_with_different_variables_are_refused_on_every_rank_with_the_ranks_named()
    {
        var errors = InProcessGroup.Run(3, c =>
        {
            Tensor[] variables = c.Rank == 2 ? [Tensor.Zeros(2, 3), Tensor.Zeros(4)] : Variables();
            var gradients = Gradients(variables, c.Rank);
            return Record.Exception(() => new GradientAverager(c).Average(gradients, variables));
        });
        foreach (var e in errors)
        {
            var error = Assert.IsType<DistributedException>(e);
            Assert.Contains("GradientAverager: rank(s) 2 differ from rank 0, which has 4 variables of 16 values in all.", error.Message);
        }
        Assert.Contains("This rank (2) has 2 variables of 10 values in all.", errors[2]!.Message);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_variable_and_both_shapes()
    {
        var averager = new GradientAverager(SingleProcessCommunicator.Instance);
        var variables = Variables();
        variables[1].Name = "bias";
        Tensor?[] gradients = [null, Tensor.Zeros(5), null, null];
        var e = Assert.Throws<ArgumentException>(() => averager.Average(gradients, variables));
        Assert.Contains("variable 1 ('bias') has shape (4,) but its gradient has shape (5,)", e.Message);
        Assert.Throws<ArgumentException>(() => averager.Average([null], variables));
        var size = Assert.Throws<ArgumentOutOfRangeException>(() => new GradientAverager(SingleProcessCommunicator.Instance, 0));
        Assert.Contains("bucketValues must be > 0; got 0", size.Message);
    }
}

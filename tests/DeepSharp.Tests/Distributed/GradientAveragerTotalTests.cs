namespace DeepSharp.Tests.Distributed;

/// <summary>
/// A step begun with the ranks' total weight known (Fit's shares of a batch): each rank's gradients arrive already
/// multiplied by its weight over that total, so the all-reduce's sums are the averages and nothing scales them after.
/// </summary>
public class GradientAveragerTotalTests
{
    private static Tensor[] Variables() => [Tensor.Zeros(3, 5), Tensor.Zeros(7), Tensor.Zeros(1), Tensor.Zeros(2, 2, 3)];

    /// <summary>Rank r's gradient of variable i at position k.</summary>
    private static float Value(int rank, int index, int k) => (rank + 1) * 0.375f - index * 3.5f + k * 0.125f;

    /// <summary>Averages on every rank of <paramref name="ranks"/> with these weights, the total given (or 0: found by the all-reduce).</summary>
    private static float[][][] Average(int ranks, float[] weights, float total, int bucketValues) => InProcessGroup.Run(ranks, c =>
    {
        var variables = Variables();
        var averager = new GradientAverager(c, bucketValues);
        Span<float> sums = [c.Rank + 1f];
        averager.BeginStep(variables, weights[c.Rank], sums, slots: 0, total);
        for (int i = variables.Length - 1; i >= 0; i--) averager.Ready(i, RankGradients.Of(variables[i], c.Rank, i, Value));
        var averaged = averager.EndStep(sums);
        Assert.Equal(ranks * (ranks + 1) / 2f, sums[0]);
        return averaged.Select(g => g!.ToArray()).ToArray();
    });

    [Theory]
    [InlineData(2, GradientAverager.DefaultBucketValues)]
    [InlineData(2, 8)]    // several buckets
    [InlineData(3, GradientAverager.DefaultBucketValues)]
    [InlineData(3, 1)]    // every variable alone
    public void The_weighted_average_is_the_same_as_when_the_total_comes_from_the_all_reduce(int ranks, int bucketValues)
    {
        float[] weights = ranks == 2 ? [1.25f, 0.75f] : [1.5f, 0.5f, 1f];
        var known = Average(ranks, weights, ranks, bucketValues);
        var found = Average(ranks, weights, 0, bucketValues);
        var variables = Variables();
        for (int r = 0; r < ranks; r++)
        {
            Assert.Equal(known[0].SelectMany(g => g), known[r].SelectMany(g => g));   // the same bits on every rank
            for (int i = 0; i < variables.Length; i++)
                for (int k = 0; k < variables[i].Size; k++)
                {
                    float expected = Enumerable.Range(0, ranks).Sum(q => weights[q] * Value(q, i, k)) / ranks;
                    Assert.Equal(expected, known[r][i][k], 4);
                    Assert.Equal(found[r][i][k], known[r][i][k], 5);
                }
        }
    }

    [Fact]
    public void Gradients_backward_writes_into_the_buckets_come_scaled_and_are_not_scaled_again()
    {
        // Two ranks with equal shares: a backward seeded with 1/2 halves every gradient exactly, so the averages are the
        // bits of the path that sums the whole gradients and halves the sums.
        var seeded = Train(total: 2);
        var separate = Train(total: 0);
        Assert.Equal(separate, seeded);
        Assert.Equal(seeded[0], seeded[1]);

        static float[][] Train(float total) => InProcessGroup.Run<float[]>(2, c =>
        {
            var w = Tensor.FromArray([0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f], 3, 2).WithRequiresGrad();
            var b = Tensor.FromArray([0.1f, -0.2f], 2).WithRequiresGrad();
            // Each rank its own rows.
            var x = c.Rank == 0 ? Tensor.FromArray([1f, 2f, 3f, -1f, 0.5f, 4f], 2, 3) : Tensor.FromArray([2f, -3f, 1f, 0f, 1f, -2f, 0.25f, 1f, 1f], 3, 3);
            var optimizer = new DistributedOptimizer(new SGD(0.1f), c, bucketValues: 4);
            Tensor[] variables = [w, b];
            for (int step = 0; step < 3; step++)
                using (TensorScope.Begin())
                {
                    var y = DeepSharp.Ops.Add(DeepSharp.Ops.MatMul(x, w), b);
                    var loss = DeepSharp.Ops.Mean(DeepSharp.Ops.Multiply(y, y));
                    var listener = optimizer.BeginExchange(variables, 1f, default, gradientsInBuckets: true, totalWeight: total);
                    var seed = total > 0 ? Tensor.Full(loss.Shape, 1f / total) : null;
                    GradientEngine.BackwardTo(loss, seed, retainGraph: false, variables, results: null, listener);
                    var averaged = optimizer.EndExchange(default);
                    Assert.Same(w.Grad, averaged[0]);  // left in its bucket
                    optimizer.Optimizer.ApplyGradients(averaged, variables);
                    w.ZeroGrad();
                    b.ZeroGrad();
                }
            return [.. w.ToArray(), .. b.ToArray()];
        });
    }

    [Fact]
    public void Weights_that_do_not_add_up_to_the_total_are_refused_on_every_rank()
    {
        var errors = InProcessGroup.Run(2, c =>
        {
            var variables = Variables();
            var averager = new GradientAverager(c);
            averager.BeginStep(variables, 1.5f, default, slots: 0, total: 2);
            for (int i = variables.Length - 1; i >= 0; i--) averager.Ready(i, RankGradients.Of(variables[i], c.Rank, i, Value));
            return Record.Exception(() => averager.EndStep(default));
        });
        foreach (var e in errors)
            Assert.Contains("the ranks' weights add up to 3, not to the total of 2 the step was begun with", Assert.IsType<InvalidOperationException>(e).Message);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_bad_total_is_refused_with_its_value(float total)
    {
        var averager = new GradientAverager(SingleProcessCommunicator.Instance);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => averager.BeginStep(Variables(), 1f, default, slots: 0, total));
        Assert.Contains($"total must be a finite number >= 0 (0: unknown); got {total}", e.Message);
    }
}

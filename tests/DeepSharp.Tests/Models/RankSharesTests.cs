namespace DeepSharp.Tests.Models;

public class RankSharesTests
{
    [Fact]
    public void Shares_follow_the_ranks_rates()
    {
        var shares = RankShares.Balance([10_000f, 13_000f])!;
        Assert.Equal(1, shares.Sum(), 12);
        Assert.Equal(10_000.0 / 23_000, shares[0], 12);
        Assert.Equal([1.0 / 3, 1.0 / 3, 1.0 / 3], RankShares.Balance([5f, 5f, 5f])!);
    }

    [Fact]
    public void No_share_falls_below_a_quarter_of_an_even_one_so_a_rank_slowed_for_a_while_is_still_measured()
    {
        var shares = RankShares.Balance([1f, 1000f])!;
        Assert.Equal(RankShares.SmallestShare / 2, shares[0], 12);
        Assert.Equal(1 - RankShares.SmallestShare / 2, shares[1], 12);
    }

    [Fact]
    public void A_rank_without_a_rate_keeps_the_shares_as_they_are()
    {
        Assert.Null(RankShares.Balance([0f, 5f]));
        Assert.Null(RankShares.Balance([float.NaN, 5f]));
        Assert.Null(RankShares.Balance([float.PositiveInfinity, 5f]));
    }

    [Fact]
    public void Even_shares_until_the_first_balance_and_the_model_s_parts_when_they_fit_the_ranks()
    {
        Assert.Equal(new BatchShard(1, 2), new RankShares(1, 2, parts: null).Shard);
        Assert.Equal(new BatchShard(1, [3, 5]), new RankShares(1, 2, [3, 5]).Shard);
        Assert.Equal(new BatchShard(1, 3), new RankShares(1, 3, [3, 5]).Shard); // parts of another run's size are not used
    }

    [Fact]
    public void Shares_move_half_way_and_not_at_all_for_a_difference_within_the_noise()
    {
        Assert.Null(RankShares.Toward(null, Of(2090, 2006)));                  // 51.0%: within 2% of even
        Assert.Equal([2324, 1772], RankShares.Toward(null, Of(2600, 1496))!);   // 63.5% wanted: half-way from 50%
        Assert.Equal([2462, 1634], RankShares.Toward([2324, 1772], Of(2600, 1496))!);
        Assert.Null(RankShares.Toward([2324, 1772], null));
    }

    /// <summary>The fractions that <paramref name="parts"/> are of their sum.</summary>
    private static double[] Of(params int[] parts) => [.. parts.Select(p => (double)p / parts.Sum())];
}

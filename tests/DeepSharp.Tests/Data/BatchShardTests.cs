namespace DeepSharp.Tests.Data;

public class BatchShardTests
{
    [Theory]
    [InlineData(32, 2)]
    [InlineData(33, 2)]
    [InlineData(10, 3)]
    [InlineData(2, 3)]   // fewer rows than shards: the last shard is empty
    [InlineData(0, 4)]
    public void The_shards_of_a_batch_are_consecutive_disjoint_and_cover_it(int rows, int count)
    {
        int next = 0;
        var lengths = new List<int>();
        for (int index = 0; index < count; index++)
        {
            var (start, length) = new BatchShard(index, count).RowsOf(rows);
            Assert.Equal(next, start);
            next += length;
            lengths.Add(length);
        }
        Assert.Equal(rows, next);
        Assert.True(lengths.Max() - lengths.Min() <= 1, $"uneven shares {string.Join(", ", lengths)}");
        Assert.True(lengths.SequenceEqual(lengths.OrderDescending()), "the first shards take the extra rows");
    }

    [Fact]
    public void The_default_is_the_whole_batch_and_bad_shards_are_refused()
    {
        Assert.True(default(BatchShard).IsWhole);
        Assert.Equal((1, 0), (default(BatchShard).Count, default(BatchShard).Index));
        Assert.Equal(BatchShard.Whole, new BatchShard(0, 1));
        Assert.Equal((0, 7), BatchShard.Whole.RowsOf(7));
        Assert.NotEqual(new BatchShard(0, 2), new BatchShard(1, 2));
        Assert.Contains("count must be at least 1; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(0, 0)).Message);
        Assert.Contains("index must be in [0, 1] for 2 shards; got 2", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(2, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(-1, 2));
    }

    [Theory]
    [InlineData(64, new[] { 1, 1 })]
    [InlineData(64, new[] { 2500, 1596 })]
    [InlineData(33, new[] { 3, 1, 2 })]
    [InlineData(5, new[] { 1, 0, 4096 })]  // a part of 0 takes no rows
    [InlineData(0, new[] { 7, 9 })]
    public void Shards_with_parts_are_consecutive_disjoint_cover_the_batch_and_follow_the_parts(int rows, int[] parts)
    {
        int next = 0, total = parts.Sum();
        for (int index = 0; index < parts.Length; index++)
        {
            var shard = new BatchShard(index, parts);
            var (start, length) = shard.RowsOf(rows);
            Assert.Equal(next, start);
            Assert.True(Math.Abs(length - (double)rows * parts[index] / total) < 1, $"shard {index}: {length} rows of {rows} for part {parts[index]} of {total}");
            Assert.Equal((double)parts[index] / total, shard.Fraction, 12);
            next += length;
        }
        Assert.Equal(rows, next);
    }

    [Fact]
    public void Shards_with_parts_compare_by_their_parts_and_bad_parts_are_refused()
    {
        Assert.Equal(new BatchShard(1, [3, 5]), new BatchShard(1, [3, 5]));
        Assert.NotEqual(new BatchShard(1, [3, 5]), new BatchShard(1, [3, 4]));
        Assert.NotEqual(new BatchShard(1, 2), new BatchShard(1, [1, 1])); // an even split gives the first shards the extra rows; parts round down
        Assert.Equal((16, 17), new BatchShard(1, [1, 1]).RowsOf(33));
        Assert.Equal((17, 16), new BatchShard(1, 2).RowsOf(33));
        Assert.Equal("shard 1 of 2 (62.5%)", new BatchShard(1, [3, 5]).ToString());
        Assert.Contains("part 1 must be >= 0; got -1", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(0, [2, -1])).Message);
        Assert.Contains("at least one part must be > 0", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(0, [0, 0])).Message);
        Assert.Contains("add up to at most", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(0, [int.MaxValue, 1])).Message);
        Assert.Contains("index must be in [0, 1] for 2 shards; got 2", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(2, [1, 1])).Message);
        Assert.Contains("count must be at least 1; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(0, ReadOnlySpan<int>.Empty)).Message);
    }
}

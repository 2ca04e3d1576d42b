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
}

namespace DeepSharp.Tests.Tensors;

public class BufferPoolTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 20)]
    [InlineData(100, 112)]
    [InlineData(1000, 1024)]
    [InlineData(1025, 1280)]
    public void Buckets_round_up_by_at_most_a_quarter(int length, int expectedCapacity)
    {
        BufferPool.BucketOf(length, out int capacity);
        Assert.Equal(expectedCapacity, capacity);
        Assert.True(capacity >= length);
    }

    [Fact]
    public void Buckets_are_distinct_and_increasing()
    {
        int previousBucket = -1, previousCapacity = 0;
        for (int length = 1; length < 5_000_000; length = length * 9 / 8 + 1)
        {
            int bucket = BufferPool.BucketOf(length, out int capacity);
            Assert.True(bucket >= previousBucket);
            if (bucket == previousBucket) Assert.Equal(previousCapacity, capacity);
            else Assert.True(capacity > previousCapacity);
            previousBucket = bucket;
            previousCapacity = capacity;
        }
    }

    [Fact]
    public void Disposed_storage_is_reused()
    {
        var first = Tensor.Zeros(777);
        var storage = first._storage;
        first.Dispose();
        var second = Tensor.Zeros(777);
        Assert.Same(storage, second._storage);
        Assert.All(second.ToArray(), v => Assert.Equal(0f, v));
    }
}

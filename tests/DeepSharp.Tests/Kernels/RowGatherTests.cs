using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

public class RowGatherTests
{
    [Fact]
    public void Copies_the_chosen_rows_in_order()
    {
        float[] source = [0, 1, 10, 11, 20, 21, 30, 31]; // 4 rows of 2
        var destination = new float[6];

        RowGather.Gather(source, 2, [3, 0, 3], destination);

        Assert.Equal([30f, 31f, 0f, 1f, 30f, 31f], destination);
    }

    [Fact]
    public void Leaves_the_rest_of_a_larger_destination_alone()
    {
        float[] source = [1, 2, 3];
        var destination = new float[] { -1, -1, -1, -1 };
        RowGather.Gather(source, 1, [2, 0], destination);
        Assert.Equal([3f, 1f, -1f, -1f], destination);
    }

    [Fact]
    public void Rejects_rows_out_of_range_and_a_small_destination()
    {
        float[] source = [0, 1, 2, 3];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RowGather.Gather(source, 2, [0, 2], new float[4]));
        Assert.Contains("position 1", e.Message);
        Assert.Contains("2 rows", e.Message);
        var small = Assert.Throws<ArgumentException>(() => RowGather.Gather(source, 2, [0, 1], new float[3]));
        Assert.Contains("destination holds 3", small.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_batch_large_enough_to_split_over_threads_equals_the_row_by_row_copy(int threads)
    {
        const int rowCount = 500, rowLength = 784, picked = 131; // 131 × 784 floats: past the parallel threshold, uneven chunks
        var source = new float[rowCount * rowLength];
        for (int i = 0; i < source.Length; i++) source[i] = i * 0.5f;
        var random = new Random(7);
        var rows = new int[picked];
        for (int i = 0; i < picked; i++) rows[i] = random.Next(rowCount);
        var expected = new float[picked * rowLength + 5];
        for (int i = 0; i < picked; i++) Array.Copy(source, rows[i] * rowLength, expected, i * rowLength, rowLength);
        var destination = new float[expected.Length];

        int saved = Parallelism.Threads;
        Parallelism.Threads = threads;
        try
        {
            RowGather.Gather(source, rowLength, rows, destination);
        }
        finally
        {
            Parallelism.Threads = saved;
        }

        Assert.Equal(expected, destination);
    }

    [Fact]
    public void A_bad_row_is_reported_before_any_copy_when_the_batch_is_large()
    {
        var source = new float[100 * 784];
        var rows = new int[64];
        rows[40] = 100;
        var destination = new float[64 * 784];
        destination.AsSpan().Fill(-1f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RowGather.Gather(source, 784, rows, destination));
        Assert.Contains("position 40", e.Message);
        Assert.All(destination, v => Assert.Equal(-1f, v));
    }
}

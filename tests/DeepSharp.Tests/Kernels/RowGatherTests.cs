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
}

namespace DeepSharp.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void FromArray_keeps_values_and_shape()
    {
        var t = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Equal(new TensorShape(2, 3), t.Shape);
        Assert.Equal(6f, t[1, 2]);
        Assert.Equal(4f, t[-1, 0]);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], t.ToArray());
    }

    [Fact]
    public void FromArray_rejects_a_shape_of_another_size()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
        Assert.Contains("(2, 2)", e.Message);
        Assert.Contains("3 values", e.Message);
    }

    [Fact]
    public void Indexer_out_of_range_names_the_dimension()
    {
        var t = Tensor.Zeros(2, 3);
        var e = Assert.Throws<IndexOutOfRangeException>(() => t[0, 3]);
        Assert.Contains("dimension 1 of size 3", e.Message);
    }

    [Fact]
    public void ToString_reads_like_pytorch()
    {
        var t = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        Assert.Equal("tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], shape=(2, 2))", t.ToString());
        Assert.Equal("tensor(2.5000, shape=())", Tensor.Scalar(2.5f).ToString());
    }

    [Fact]
    public void ToString_abbreviates_long_dimensions()
    {
        var text = Tensor.Arange(100).ToString();
        Assert.StartsWith("tensor([0.0000, 1.0000, 2.0000, ..., 97.0000, 98.0000, 99.0000], shape=(100,)", text);
    }

    [Fact]
    public void Random_creation_is_reproducible_from_a_seed()
    {
        var a = Tensor.RandomNormal([3, 4], generator: new RandomGenerator(7)).ToArray();
        var b = Tensor.RandomNormal([3, 4], generator: new RandomGenerator(7)).ToArray();
        var c = Tensor.RandomNormal([3, 4], generator: new RandomGenerator(8)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Random_statistics_match_the_distribution()
    {
        var normal = Tensor.RandomNormal([100_000], mean: 2f, std: 3f, generator: new RandomGenerator(1)).ToArray();
        double mean = normal.Average();
        double std = Math.Sqrt(normal.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, 1.95, 2.05);
        Assert.InRange(std, 2.95, 3.05);
        var uniform = Tensor.RandomUniform([100_000], -1f, 3f, new RandomGenerator(2)).ToArray();
        Assert.True(uniform.Min() >= -1f && uniform.Max() < 3f);
        Assert.InRange(uniform.Average(), 0.97, 1.03);
    }

    [Fact]
    public void Arange_counts_like_numpy()
    {
        Assert.Equal([0f, 0.5f, 1f, 1.5f], Tensor.Arange(0, 2, 0.5f).ToArray());
        Assert.Equal(0, Tensor.Arange(3, 1).Size);
    }

    [Fact]
    public void Scope_disposes_what_it_created_and_keeps_what_is_kept()
    {
        Tensor inside, kept;
        var outside = Tensor.Ones(2);
        using (TensorScope.Begin())
        {
            inside = Tensor.Ones(2);
            kept = TensorScope.Keep(Tensor.Ones(3));
        }
        Assert.True(inside.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.False(outside.IsDisposed);
        var e = Assert.Throws<ObjectDisposedException>(() => inside.ToArray());
        Assert.Contains("TensorScope", e.Message);
    }

    [Fact]
    public void Suspended_scope_creates_long_lived_tensors()
    {
        Tensor weight;
        using (TensorScope.Begin())
        using (TensorScope.Suspend())
        {
            weight = Tensor.Ones(4);
        }
        Assert.False(weight.IsDisposed);
    }

    [Fact]
    public void Shape_supports_collection_expressions_and_negative_axes()
    {
        TensorShape shape = [32, 28, 28];
        Assert.Equal(3, shape.Rank);
        Assert.Equal(28, shape[-1]);
        Assert.Equal(32 * 28 * 28, shape.Size);
        Assert.Equal("(32, 28, 28)", shape.ToString());
        Assert.Equal("(10,)", new TensorShape(10).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => shape[3]);
    }

    [Fact]
    public void A_tensor_larger_than_an_array_can_hold_is_refused_naming_the_shape_and_the_limit()
    {
        Assert.Equal(Tensor.MaxSize, Array.MaxLength - 15);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(int.MaxValue));
        Assert.Contains("(2147483647,)", e.Message);
        Assert.Contains(Tensor.MaxSize.ToString(), e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Ones(65536, 65536));
        Assert.Contains("4294967296 values", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(65536, 65536, 65536, 65536, 65536));
        Assert.Contains("more than 9223372036854775807", e.Message);
    }

    [Fact]
    public void A_shape_whose_product_overflows_64_bits_is_not_mistaken_for_a_small_one()
    {
        TensorShape shape = [65536, 65536, 65536, 65536]; // 2^64 elements: wraps to 0 in 64-bit arithmetic
        Assert.Throws<InvalidOperationException>(() => shape.Size);
        Assert.Equal(0, new TensorShape(int.MaxValue, int.MaxValue, 0).Size);
    }
}

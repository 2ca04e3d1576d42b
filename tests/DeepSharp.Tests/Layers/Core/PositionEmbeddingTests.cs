using DeepSharp.Tests.Ops;

namespace DeepSharp.Tests.Layers;

public class PositionEmbeddingTests
{
    [Fact]
    public void Returns_the_first_positions_broadcast_over_the_batch()
    {
        var layer = new PositionEmbedding(sequenceLength: 6, initializer: new RandomNormal(seed: 3));
        var x = Tensor.Ones(2, 4, 3);
        var y = layer.Call(x);
        Assert.Equal(new TensorShape(2, 4, 3), y.Shape);
        Assert.Equal(new TensorShape(6, 3), layer.Embeddings.Shape);
        var table = layer.Embeddings.ToArray();
        var values = y.ToArray();
        Assert.Equal(table[..12], values[..12]);
        Assert.Equal(table[..12], values[12..]);
    }

    [Fact]
    public void Gradient_checks_and_the_gradient_sums_over_the_batch()
    {
        var layer = new PositionEmbedding(5);
        var x = OpAssert.Random(1, -1f, 1f, 3, 5, 2);
        layer.Call(x);
        OpAssert.GradientChecks(t => DeepSharp.Ops.Multiply(layer.Call(t[0]), t[0]), x);
        layer.Embeddings.ZeroGrad();
        DeepSharp.Ops.Sum(layer.Call(Tensor.Ones(3, 5, 2))).Backward();
        Assert.All(layer.Embeddings.Grad!.ToArray(), g => Assert.Equal(3f, g));
    }

    [Fact]
    public void Round_trips_its_configuration_and_refuses_bad_arguments()
    {
        var copy = LayerRoundTrip.Of(new PositionEmbedding(16, new Zeros(), name: "positions"));
        Assert.Equal(16, copy.SequenceLength);
        Assert.IsType<Zeros>(copy.Initializer);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PositionEmbedding(0));
        Assert.Contains("sequenceLength must be positive; got 0", e.Message);
        var layer = new PositionEmbedding(3);
        var tooLong = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(1, 4, 2)));
        Assert.Contains("4 steps", tooLong.Message);
        Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(2, 3)));
    }
}

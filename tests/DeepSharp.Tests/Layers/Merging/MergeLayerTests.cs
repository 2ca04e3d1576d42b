namespace DeepSharp.Tests.Layers;

public class MergeLayerTests
{
    private static readonly Tensor A = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
    private static readonly Tensor B = Tensor.FromArray([10f, 20f, 30f, 40f], 2, 2);
    private static readonly Tensor C = Tensor.FromArray([-1f, 0f, 1f, 2f], 2, 2);

    [Fact]
    public void Elementwise_merges_compute_Keras_values()
    {
        Assert.Equal([10f, 22f, 34f, 46f], new Add().Call([A, B, C]).ToArray());
        Assert.Equal([9f, 18f, 27f, 36f], new Subtract().Call([B, A]).ToArray());
        Assert.Equal([-10f, 0f, 90f, 320f], new Multiply().Call([A, B, C]).ToArray());
        Assert.Equal([5.5f, 11f, 16.5f, 22f], new Average().Call([A, B]).ToArray());
    }

    [Fact]
    public void Concatenate_joins_along_the_last_axis_or_the_one_given()
    {
        var last = new Concatenate().Call([A, Tensor.FromArray([5f, 6f], 2, 1)]);
        Assert.Equal(new TensorShape(2, 3), last.Shape);
        Assert.Equal([1f, 2f, 5f, 3f, 4f, 6f], last.ToArray());
        var images = new Concatenate(axis: 1).Call([Tensor.Ones(2, 1, 3, 2), Tensor.Zeros(2, 2, 3, 2)]);
        Assert.Equal(new TensorShape(2, 3, 3, 2), images.Shape);
    }

    [Fact]
    public void Gradients_flow_to_every_input()
    {
        Ops.OpAssert.GradientChecks(t => new Concatenate().Call([t[0], t[1]]) * new Add().Call([t[0], t[0]]).Sum(),
            Ops.OpAssert.Random(1, -1, 1, 3, 2).WithRequiresGrad(), Ops.OpAssert.Random(2, -1, 1, 3, 2).WithRequiresGrad());
        Ops.OpAssert.GradientChecks(t => new Multiply().Call([t[0], t[1]]) - new Average().Call([t[0], t[1]]),
            Ops.OpAssert.Random(3, -1, 1, 2, 3).WithRequiresGrad(), Ops.OpAssert.Random(4, -1, 1, 2, 3).WithRequiresGrad());
    }

    [Fact]
    public void Bad_inputs_are_reported_with_the_layer_and_the_shapes()
    {
        var mismatch = Assert.Throws<ArgumentException>(() => new Add(name: "sum").Call([A, Tensor.Ones(2, 3)]));
        Assert.Contains("sum", mismatch.Message);
        Assert.Contains("(None, 2)", mismatch.Message);
        Assert.Contains("(None, 3)", mismatch.Message);
        var single = Assert.Throws<ArgumentException>(() => new Add(name: "lonely").Call(A));
        Assert.Contains("lonely", single.Message);
        Assert.Contains("list", single.Message);
        Assert.Contains("exactly 2", Assert.Throws<ArgumentException>(() => new Subtract().Call([A, B, C])).Message);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => new Concatenate().Call([A])).Message);
        var concat = Assert.Throws<ArgumentException>(() => new Concatenate(name: "cat").Call([A, Tensor.Ones(2, 2, 2)]));
        Assert.Contains("cat", concat.Message);
        var samples = Assert.Throws<ArgumentException>(() => new Add().Call([A, Tensor.Ones(3, 2)]));
        Assert.Contains("samples", samples.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Concatenate(axis: 0));
    }

    [Fact]
    public void Configurations_round_trip()
    {
        Assert.Equal(2, LayerRoundTrip.Of(new Concatenate(axis: 2, name: "cat_rt")).Axis);
        Assert.Equal("add_rt", LayerRoundTrip.Of(new Add(name: "add_rt")).Name);
        LayerRoundTrip.Of(new Subtract());
        LayerRoundTrip.Of(new Multiply());
        LayerRoundTrip.Of(new Average());
    }
}

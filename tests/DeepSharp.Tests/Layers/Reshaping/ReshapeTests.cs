namespace DeepSharp.Tests.Layers;

/// <summary>The Reshape layer.</summary>
public class ReshapeTests
{
    [Fact]
    public void Reshape_keeps_the_batch_and_infers_one_dimension()
    {
        var x = Tensor.Arange(24).Reshape(2, 12);
        var y = new Reshape([3, -1]).Call(x);
        Assert.Equal(new TensorShape(2, 3, 4), y.Shape);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.Equal(new TensorShape(2, 2, 3), new Reshape([2, 2, 3]).ComputeOutputShape([12]));
        var copy = LayerRoundTrip.Of(new Reshape([4, -1], inputShape: [12]));
        Assert.Equal([4, -1], copy.TargetShape);
    }

    [Fact]
    public void Reshape_passes_gradients_back_in_the_input_shape()
    {
        var layer = new Reshape([2, 3]);
        var x = Tensor.RandomUniform([2, 6], -1f, 1f, new RandomGenerator(2)).WithRequiresGrad();
        var y = layer.Call(x);
        var weights = Tensor.Arange(12).Reshape(2, 2, 3);
        (y * weights).Sum().Backward();
        Assert.Equal(new TensorShape(2, 6), x.Grad!.Shape);
        Assert.Equal(weights.ToArray(), x.Grad.ToArray());
        var result = GradientChecker.Check(t => layer.Call(t[0]) * weights, [x]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Reshape_refuses_a_target_that_does_not_fit_naming_layer_shapes_and_counts()
    {
        var layer = new Reshape([5, -1], name: "bad_reshape");
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(2, 12)));
        Assert.Contains("bad_reshape", e.Message);
        Assert.Contains("(None, 12)", e.Message);
        Assert.Contains("12 values per sample", e.Message);
        Assert.Contains("(5, -1)", e.Message);
        var fixedSize = Assert.Throws<ArgumentException>(() => new Reshape([3, 3]).ComputeOutputShape([8]));
        Assert.Contains("(None, 8)", fixedSize.Message);
        Assert.Contains("(3, 3)", fixedSize.Message);
        var twoUnknown = Assert.Throws<ArgumentException>(() => new Reshape([-1, -1]));
        Assert.Equal("targetShape", twoUnknown.ParamName);
        Assert.Contains("(-1, -1)", twoUnknown.Message);
        Assert.Throws<ArgumentException>(() => new Reshape([0, 4]));
        Assert.Throws<ArgumentException>(() => new Reshape([-2, 4]));
    }
}

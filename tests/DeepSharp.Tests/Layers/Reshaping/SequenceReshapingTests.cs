using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

/// <summary>UpSampling1D, ZeroPadding1D, Cropping1D and Cropping2D.</summary>
public class SequenceReshapingTests
{
    private static JsonObject Config(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void UpSampling1D_repeats_each_step()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 2, 2);
        var layer = new UpSampling1D(3);
        Assert.Equal(new[] { 1f, 2f, 1f, 2f, 1f, 2f, 3f, 4f, 3f, 4f, 3f, 4f }, layer.Call(x).ToArray());
        Assert.Equal(new TensorShape(4, 2), new UpSampling1D().ComputeOutputShape([2, 2]));
        Assert.Equal("{\"size\":3}", new JsonObject { ["size"] = layer.GetConfig()["size"]!.DeepClone() }.ToJsonString());
        Assert.Equal(3, LayerRoundTrip.Of(layer).Size);
        Assert.Contains("size must be a positive integer; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new UpSampling1D(0)).Message);
        var input = Tensor.RandomNormal([2, 2, 2], generator: new RandomGenerator(1)).WithRequiresGrad();
        Assert.True(GradientChecker.Check(t => layer.Call(t[0]), [input]).Passed);
    }

    [Fact]
    public void ZeroPadding1D_adds_zero_steps_at_each_end()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 2, 2);
        Assert.Equal(new[] { 0f, 0f, 1f, 2f, 3f, 4f, 0f, 0f }, new ZeroPadding1D().Call(x).ToArray());
        var layer = new ZeroPadding1D((2, 0));
        Assert.Equal(new[] { 0f, 0f, 0f, 0f, 1f, 2f, 3f, 4f }, layer.Call(x).ToArray());
        Assert.Equal("[2,0]", layer.GetConfig()["padding"]!.ToJsonString());
        Assert.Equal((2, 0), (LayerRoundTrip.Of(layer).Start, LayerRoundTrip.Of(layer).End));
        Assert.Equal((3, 3), (ZeroPadding1D.FromConfig(Config("""{"name": "z", "padding": 3}""")).Start, ZeroPadding1D.FromConfig(Config("""{"name": "z2", "padding": 3}""")).End));
        Assert.Contains("(-1, 2)", Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroPadding1D((-1, 2))).Message);
        Assert.Contains("rank 3", Assert.Throws<ArgumentException>(() => new ZeroPadding1D().Call(Tensor.Ones(1, 2, 2, 1))).Message);
    }

    [Fact]
    public void Cropping1D_removes_steps_at_each_end()
    {
        var x = Tensor.Arange(10).Reshape(1, 5, 2);
        Assert.Equal(new[] { 2f, 3f, 4f, 5f, 6f, 7f }, new Cropping1D().Call(x).ToArray());
        var layer = new Cropping1D((0, 2));
        Assert.Equal(new[] { 0f, 1f, 2f, 3f, 4f, 5f }, layer.Call(x).ToArray());
        Assert.Equal(new[] { 4f, 5f }, new Cropping1D(2).Call(x).ToArray());
        Assert.Equal("[0,2]", layer.GetConfig()["cropping"]!.ToJsonString());
        Assert.Equal((0, 2), (LayerRoundTrip.Of(layer).Start, LayerRoundTrip.Of(layer).End));
        var e = Assert.Throws<ArgumentException>(() => new Cropping1D((3, 2), name: "crop").Call(x));
        Assert.Contains("'crop'", e.Message);
        Assert.Contains("(3, 2)", e.Message);
        Assert.Contains("(None, 5, 2)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Cropping1D(-1));
        var input = Tensor.RandomNormal([2, 5, 2], generator: new RandomGenerator(2)).WithRequiresGrad();
        Assert.True(GradientChecker.Check(t => layer.Call(t[0]), [input]).Passed);
    }

    [Fact]
    public void Cropping2D_removes_rows_and_columns()
    {
        var x = Tensor.Arange(20).Reshape(1, 4, 5, 1);
        var layer = new Cropping2D((1, 0), (2, 1));
        Assert.Equal(new TensorShape(1, 3, 2, 1), layer.Call(x).Shape);
        Assert.Equal(new[] { 7f, 8f, 12f, 13f, 17f, 18f }, layer.Call(x).ToArray());
        Assert.Equal(new[] { 6f, 7f, 8f, 11f, 12f, 13f }, new Cropping2D(1).Call(x).ToArray());
        Assert.Equal(x.ToArray(), new Cropping2D().Call(x).ToArray());
        Assert.Equal("[[1,0],[2,1]]", layer.GetConfig()["cropping"]!.ToJsonString());
        var copy = LayerRoundTrip.Of(layer);
        Assert.Equal((1, 0, 2, 1), (copy.Top, copy.Bottom, copy.Left, copy.Right));
        var symmetric = Cropping2D.FromConfig(Config("""{"name": "c", "cropping": [1, 2]}"""));
        Assert.Equal((1, 1, 2, 2), (symmetric.Top, symmetric.Bottom, symmetric.Left, symmetric.Right));
        var e = Assert.Throws<ArgumentException>(() => new Cropping2D((2, 2), (0, 0), name: "c2").Call(x));
        Assert.Contains("'c2'", e.Message);
        Assert.Contains("(None, 4, 5, 1)", e.Message);
        var input = Tensor.RandomNormal([2, 4, 5, 1], generator: new RandomGenerator(3)).WithRequiresGrad();
        Assert.True(GradientChecker.Check(t => layer.Call(t[0]), [input]).Passed);
    }

    [Fact]
    public void A_model_of_them_saves_and_loads()
    {
        var model = new Sequential(
            new ZeroPadding1D((1, 2), inputShape: [5, 3]),
            new UpSampling1D(2),
            new Cropping1D((2, 1)),
            new Conv1D(2, 3),
            new Flatten(),
            new Dense(2));
        LayerRoundTrip.Saved(model, Tensor.RandomNormal([4, 5, 3], generator: new RandomGenerator(4)));
        var images = new Sequential(new Cropping2D((1, 1), (0, 2), inputShape: [6, 6, 1]), new Flatten(), new Dense(3));
        LayerRoundTrip.Saved(images, Tensor.RandomNormal([2, 6, 6, 1], generator: new RandomGenerator(5)));
    }
}

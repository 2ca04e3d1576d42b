namespace DeepSharp.Tests.Layers;

/// <summary>The Input layer.</summary>
public class InputTests
{
    [Fact]
    public void Input_declares_the_shape_and_passes_data_through()
    {
        var input = new Input([4]);
        Assert.Equal(new TensorShape(4), input.Shape);
        Assert.Equal(new TensorShape(4), input.DeclaredInputShape);
        Assert.Equal("InputLayer", input.ClassName);
        Assert.StartsWith("input_layer", input.Name);
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 4);
        Assert.Equal(x.ToArray(), input.Call(x).ToArray());
        var e = Assert.Throws<ArgumentException>(() => input.ComputeOutputShape([5]));
        Assert.Contains("(None, 4)", e.Message);
        Assert.Contains("(None, 5)", e.Message);
        var model = new Sequential(new Input([3]), new Dense(2));
        Assert.Equal(new TensorShape(3), model.DeclaredInputShape);
        var config = input.GetConfig();
        Assert.Equal("[null,4]", config["batch_shape"]!.ToJsonString());
        Assert.Equal(new TensorShape(4), LayerRoundTrip.Of(input).Shape);
    }
}

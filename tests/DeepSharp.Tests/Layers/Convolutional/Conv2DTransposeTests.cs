namespace DeepSharp.Tests.Layers;

public class Conv2DTransposeTests
{
    [Theory]
    [InlineData(5, 3, 1, "valid", null, 7)]   // size + k − 1
    [InlineData(5, 3, 2, "valid", null, 11)]  // size·s + max(k − s, 0)
    [InlineData(5, 2, 3, "valid", null, 15)]  // strides beyond the kernel: size·s
    [InlineData(5, 3, 2, "same", null, 10)]   // size·s
    [InlineData(5, 3, 2, "same", 1, 10)]      // (size − 1)·s + k − 2·(k / 2) + outputPadding
    [InlineData(5, 3, 2, "valid", 1, 12)]     // (size − 1)·s + k + outputPadding
    [InlineData(5, 4, 2, "same", 1, 9)]       // (5 − 1)·2 + 4 − 2·2 + 1
    public void Output_sizes_follow_keras(int size, int kernel, int stride, string padding, int? outputPadding, int expected)
    {
        Size2D? op = outputPadding is { } o ? o : null;
        var layer = new Conv2DTranspose(3, kernel, strides: stride, padding: padding, outputPadding: op);
        Assert.Equal(new TensorShape(expected, expected, 3), layer.ComputeOutputShape([size, size, 2]));
        var y = layer.Call(Tensor.Ones(2, size, size, 2));
        Assert.Equal(new TensorShape(2, expected, expected, 3), y.Shape);
        Assert.Equal(new TensorShape(kernel, kernel, 3, 2), layer.Kernel.Shape); // (h, w, filters, in) as Keras
    }

    [Fact]
    public void It_is_the_adjoint_of_the_convolution_with_the_same_kernel()
    {
        // <conv(x, W), y> = <x, convT(y, W)> for every x, y: the defining property of the transpose.
        var w = Tensor.RandomNormal([3, 3, 2, 4], generator: new RandomGenerator(1));
        var x = Tensor.RandomNormal([1, 7, 7, 2], generator: new RandomGenerator(2));
        var y = Tensor.RandomNormal([1, 4, 4, 4], generator: new RandomGenerator(3));
        float left = (DeepSharp.Ops.Conv2D(x, w, strides: 2, padding: "same") * y).Sum().Item();
        var transposed = DeepSharp.Ops.Conv2DTranspose(y, w, strides: 2, padding: "same", outputPadding: 0);
        Assert.Equal(new TensorShape(1, 7, 7, 2), transposed.Shape);
        float right = (x * transposed).Sum().Item();
        Assert.Equal(left, right, 3);
    }

    [Fact]
    public void An_output_padding_that_does_not_map_back_onto_the_input_is_refused()
    {
        // (5 − 1)·2 + 4 − 2·2 + 0 = 8 pixels, but a "same" convolution with stride 2 maps 8 onto 4, not 5.
        var layer = new Conv2DTranspose(3, 4, strides: 2, padding: "same", outputPadding: 0, name: "odd");
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(1, 5, 5, 2)));
        Assert.Contains("odd", e.Message);
        Assert.Contains("(8, 8)", e.Message);
        Assert.Contains("(None, 5, 5, 2)", e.Message);
    }

    [Fact]
    public void Arguments_and_inputs_are_checked()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DTranspose(4, 3, strides: 2, outputPadding: 2));
        Assert.Contains("outputPadding", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DTranspose(-1, 3));
        var layer = new Conv2DTranspose(4, 3, name: "up");
        var e2 = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(2, 5, 5)));
        Assert.Equal("Conv2DTranspose 'up' expects input of rank 4 (batch, height, width, channels), got (None, 5, 5).", e2.Message);
    }

    [Fact]
    public void Configuration_round_trips()
    {
        var layer = new Conv2DTranspose(8, (4, 3), strides: 2, padding: "same", outputPadding: (1, 0), activation: "sigmoid", name: "deconv");
        Assert.Equal("[1,0]", layer.GetConfig()["output_padding"]!.ToJsonString());
        var copy = LayerRoundTrip.Of(layer);
        Assert.Equal(new Size2D(1, 0), copy.OutputPadding);
        Assert.Null(LayerRoundTrip.Of(new Conv2DTranspose(2, 3)).OutputPadding);
    }
}

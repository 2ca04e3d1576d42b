namespace DeepSharp.Tests.Layers;

/// <summary>ZeroPadding2D and UpSampling2D.</summary>
public class ImageReshapingTests
{
    [Fact]
    public void Zero_padding_takes_keras_three_forms()
    {
        Assert.Equal(new TensorShape(30, 30, 1), new ZeroPadding2D().ComputeOutputShape([28, 28, 1]));
        Assert.Equal(new TensorShape(32, 30, 1), new ZeroPadding2D((2, 1)).ComputeOutputShape([28, 28, 1]));
        var layer = new ZeroPadding2D((1, 0), (0, 2));
        Assert.Equal(new TensorShape(29, 30, 1), layer.ComputeOutputShape([28, 28, 1]));
        var y = layer.Call(Tensor.Ones(1, 1, 1, 1));
        Assert.Equal(new[] { 0f, 0f, 0f, 1f, 0f, 0f }, y.ToArray());
        var copy = LayerRoundTrip.Of(layer);
        Assert.Equal((1, 0, 0, 2), (copy.Top, copy.Bottom, copy.Left, copy.Right));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroPadding2D((-1, 0), (0, 0)));
    }

    [Fact]
    public void Upsampling_repeats_pixels_or_interpolates()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 2, 2, 1);
        var nearest = new UpSampling2D().Call(x);
        Assert.Equal(new[] { 1f, 1f, 2f, 2f, 1f, 1f, 2f, 2f, 3f, 3f, 4f, 4f, 3f, 3f, 4f, 4f }, nearest.ToArray());
        var bilinear = new UpSampling2D((1, 2), interpolation: "bilinear").Call(Tensor.FromArray([0f, 4f], 1, 1, 2, 1));
        Assert.Equal(new[] { 0f, 1f, 3f, 4f }, bilinear.ToArray()); // half-pixel centres, edges clamped
        Assert.Equal("bilinear", LayerRoundTrip.Of(new UpSampling2D(3, "bilinear")).Interpolation);
        Assert.Contains("\"cubic\"", Assert.Throws<ArgumentException>(() => new UpSampling2D(2, "cubic")).Message);
        Assert.Contains("size", Assert.Throws<ArgumentOutOfRangeException>(() => new UpSampling2D(0)).Message);
    }
}

namespace DeepSharp.Tests.Layers;

public class PoolingLayersTests
{
    [Fact]
    public void Max_pooling_defaults_to_two_by_two_and_drops_the_odd_row()
    {
        var pool = new MaxPooling2D();
        Assert.Equal(new TensorShape(5, 5, 64), pool.ComputeOutputShape([11, 11, 64]));
        Assert.Equal(new TensorShape(6, 6, 64), new MaxPooling2D(2, padding: "same").ComputeOutputShape([11, 11, 64]));
        Assert.Equal(new TensorShape(9, 9, 1), new MaxPooling2D(3, strides: 1).ComputeOutputShape([11, 11, 1]));
        var x = Tensor.FromArray([1f, 5f, 2f, 0f, 3f, 4f, 9f, 8f, 7f, 6f, 1f, 2f, 0f, 0f, 3f, 3f], 1, 4, 4, 1);
        Assert.Equal(new[] { 5f, 9f, 7f, 3f }, pool.Call(x).ToArray());
        Assert.Equal("max_pooling2d", new MaxPooling2D(name: null).Name[..13]);
    }

    [Fact]
    public void Average_pooling_with_same_padding_divides_by_the_pixels_inside()
    {
        var pool = new AveragePooling2D(2, padding: "same");
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], 1, 3, 3, 1);
        // Windows: {1,2,4,5}, {3,6}, {7,8}, {9}.
        Assert.Equal(new[] { 3f, 4.5f, 7.5f, 9f }, pool.Call(x).ToArray());
    }

    [Fact]
    public void Global_pooling_reduces_the_pixels_per_channel()
    {
        var x = Tensor.FromArray([1f, 10f, 2f, 20f, 3f, 30f, 6f, 60f], 1, 2, 2, 2);
        Assert.Equal(new[] { 3f, 30f }, new GlobalAveragePooling2D().Call(x).ToArray());
        Assert.Equal(new[] { 6f, 60f }, new GlobalMaxPooling2D().Call(x).ToArray());
        Assert.Equal(new TensorShape(1, 1, 1, 2), new GlobalMaxPooling2D(keepDims: true).Call(x).Shape);
        Assert.Equal(new TensorShape(2), new GlobalAveragePooling2D().ComputeOutputShape([7, 7, 2]));
        Assert.StartsWith("global_average_pooling2d", new GlobalAveragePooling2D().Name);
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_the_layer()
    {
        Assert.Contains("poolSize", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling2D(0)).Message);
        Assert.Contains("strides", Assert.Throws<ArgumentOutOfRangeException>(() => new AveragePooling2D(2, strides: (1, -1))).Message);
        Assert.Contains("\"full\"", Assert.Throws<ArgumentException>(() => new MaxPooling2D(2, padding: "full")).Message);
        var pool = new MaxPooling2D(3, name: "pool");
        var e = Assert.Throws<ArgumentException>(() => pool.Call(Tensor.Ones(1, 2, 2, 1)));
        Assert.Contains("pool", e.Message);
        Assert.Contains("(None, 2, 2, 1)", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new GlobalMaxPooling2D(name: "g").Call(Tensor.Ones(2, 5)));
        Assert.Equal("GlobalMaxPooling2D 'g' expects input of rank 4 (batch, height, width, channels), got (None, 5).", e2.Message);
    }

    [Fact]
    public void Configurations_round_trip()
    {
        var max = LayerRoundTrip.Of(new MaxPooling2D((3, 2), strides: (1, 2), padding: "same", name: "m"));
        Assert.Equal(new Size2D(3, 2), max.PoolSize);
        Assert.Equal(new Size2D(1, 2), max.Strides);
        Assert.Equal("same", max.Padding);
        Assert.Equal(new Size2D(2, 2), LayerRoundTrip.Of(new AveragePooling2D()).Strides);
        Assert.True(LayerRoundTrip.Of(new GlobalAveragePooling2D(keepDims: true)).KeepDims);
        Assert.False(LayerRoundTrip.Of(new GlobalMaxPooling2D()).KeepDims);
    }
}

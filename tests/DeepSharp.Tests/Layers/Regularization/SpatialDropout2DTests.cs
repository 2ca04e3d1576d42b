namespace DeepSharp.Tests.Layers;

/// <summary>The SpatialDropout2D layer.</summary>
public class SpatialDropout2DTests
{
    [Fact]
    public void Spatial_dropout_drops_whole_channels_in_training_only()
    {
        var layer = new SpatialDropout2D(0.5, seed: 7);
        var x = Tensor.Ones(2, 3, 3, 8);
        Assert.Same(x, layer.Call(x, training: false));
        var y = layer.Call(x, training: true).ToArray();
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 8; c++)
                for (int p = 1; p < 9; p++) Assert.Equal(y[n * 72 + c], y[n * 72 + p * 8 + c]);
        Assert.Contains(0f, y);
        Assert.Contains(2f, y);
        Assert.Equal(0.5f, LayerRoundTrip.Of(layer).Rate);
        Assert.Contains("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new SpatialDropout2D(1.0)).Message);
    }
}

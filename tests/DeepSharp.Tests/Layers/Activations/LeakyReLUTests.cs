namespace DeepSharp.Tests.Layers;

public class LeakyReLUTests
{
    [Fact]
    public void Scales_negative_inputs_by_the_slope_and_passes_the_rest()
    {
        var layer = new LeakyReLU(0.2f);
        var y = layer.Call(Tensor.FromArray([-2f, -0.5f, 0f, 3f], 2, 2));
        Assert.Equal(new[] { -0.4f, -0.1f, 0f, 3f }, y.ToArray());
        Assert.Equal(new TensorShape(7, 3), layer.ComputeOutputShape([7, 3]));
        Assert.Equal(0.3f, new LeakyReLU().NegativeSlope); // Keras' default
    }

    [Fact]
    public void Gradient_is_one_above_zero_and_the_slope_below()
    {
        var x = Tensor.FromArray([-1f, 2f, -3f, 4f], 1, 4).WithRequiresGrad();
        new LeakyReLU(0.1f).Call(x, training: true).Sum().Backward();
        Assert.Equal(new[] { 0.1f, 1f, 0.1f, 1f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Round_trips_through_its_config_and_reads_keras2_alpha()
    {
        Assert.Equal(0.2f, LayerRoundTrip.Of(new LeakyReLU(0.2f)).NegativeSlope);
        var keras2 = new System.Text.Json.Nodes.JsonObject
        {
            ["class_name"] = "LeakyReLU",
            ["config"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "lr", ["alpha"] = 0.25f },
        };
        Assert.Equal(0.25f, Assert.IsType<LeakyReLU>(LayerRegistry.Create(keras2)).NegativeSlope);
    }

    [Fact]
    public void Refuses_a_negative_or_non_finite_slope()
    {
        Assert.Contains("negativeSlope", Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReLU(-0.1f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReLU(float.NaN));
    }
}

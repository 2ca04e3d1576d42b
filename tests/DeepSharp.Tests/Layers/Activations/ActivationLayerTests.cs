namespace DeepSharp.Tests.Layers;

/// <summary>The Activation layer.</summary>
public class ActivationLayerTests
{
    [Fact]
    public void Activation_applies_its_function_by_name_or_object_and_round_trips()
    {
        var x = Tensor.FromArray([-2f, -0.5f, 0f, 1.5f], 2, 2);
        Assert.Equal([0f, 0f, 0f, 1.5f], new Activation("relu").Call(x).ToArray());
        var leaky = new Activation(Activations.LeakyReluWith(0.1f), inputShape: [2]);
        Assert.Equal([-0.2f, -0.05f, 0f, 1.5f], leaky.Call(x).ToArray());
        Assert.Equal(new TensorShape(3, 5), leaky.ComputeOutputShape([3, 5]));
        Assert.Empty(leaky.Weights);
        var copy = LayerRoundTrip.Of(leaky);
        Assert.Equal(leaky.Call(x).ToArray(), copy.Call(x).ToArray());
        var tanh = LayerRoundTrip.Of(new Activation(Activations.Tanh));
        Assert.Equal("tanh", tanh.Function.Name);
        Assert.Throws<ArgumentException>(() => new Activation("not_an_activation"));
    }

    [Fact]
    public void Activation_layer_passes_gradients()
    {
        var layer = new Activation("tanh");
        var x = Tensor.RandomUniform([3, 4], -2f, 2f, new RandomGenerator(1)).WithRequiresGrad();
        var result = GradientChecker.Check(t => layer.Call(t[0]), [x]);
        Assert.True(result.Passed, result.ToString());
    }
}

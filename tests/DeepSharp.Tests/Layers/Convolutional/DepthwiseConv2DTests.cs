using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

public class DepthwiseConv2DTests
{
    [Fact]
    public void Builds_keras_weights_and_output_shapes()
    {
        var layer = new DepthwiseConv2D(3, depthMultiplier: 2, padding: "same");
        var y = layer.Call(Tensor.Ones(2, 8, 8, 5));
        Assert.Equal(new TensorShape(2, 8, 8, 10), y.Shape);
        Assert.Equal(new TensorShape(3, 3, 5, 2), layer.Kernel.Shape);
        Assert.Equal(new TensorShape(10), layer.Bias!.Shape);
        Assert.Equal("depthwise_conv2d", layer.Name[..16]);
        Assert.Equal(["kernel", "bias"], layer.Weights.Select(w => w.Name!.Split('/')[1]));
        Assert.Equal(new TensorShape(3, 4, 6), new DepthwiseConv2D((3, 2), strides: 2).ComputeOutputShape([8, 9, 6]));
    }

    [Fact]
    public void Each_channel_is_convolved_with_its_own_kernels()
    {
        var layer = new DepthwiseConv2D(2, depthMultiplier: 2, useBias: false);
        var x = Tensor.FromArray([1f, 10f, 2f, 20f, 3f, 30f, 4f, 40f], 1, 2, 2, 2);
        layer.EnsureBuilt([2, 2, 2]);
        // kernel[kh, kw, c, m]: channel 0 gets ones and twos, channel 1 gets threes and a one-hot.
        layer.Kernel.CopyFrom([1f, 2f, 3f, 1f, 1f, 2f, 3f, 0f, 1f, 2f, 3f, 0f, 1f, 2f, 3f, 0f]);
        Assert.Equal(new[] { 10f, 20f, 300f, 10f }, layer.Call(x).ToArray());
    }

    [Fact]
    public void Arguments_are_validated_and_the_configuration_matches_keras()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DepthwiseConv2D(3, depthMultiplier: 0));
        Assert.Contains("depthMultiplier must be a positive integer; got 0", e.Message);
        Assert.Throws<ArgumentException>(() => new DepthwiseConv2D(3, padding: "causal"));
        var layer = new DepthwiseConv2D((3, 5), strides: 2, padding: "same", depthMultiplier: 3, activation: "relu",
            depthwiseInitializer: "he_normal", depthwiseRegularizer: new L2(0.1f), name: "dw", inputShape: [16, 16, 3]);
        var config = layer.GetConfig();
        Assert.Equal(3, config["depth_multiplier"]!.GetValue<int>());
        Assert.Equal("[3,5]", config["kernel_size"]!.ToJsonString());
        Assert.NotNull(config["depthwise_initializer"]);
        Assert.NotNull(config["depthwise_regularizer"]);
        Assert.Null(config["kernel_initializer"]);
        var copy = LayerRoundTrip.Of(layer);
        Assert.Equal((3, "same"), (copy.DepthMultiplier, copy.Padding));
        Assert.IsType<HeNormal>(copy.KernelInitializer);
        var keras = DepthwiseConv2D.FromConfig((JsonObject)JsonNode.Parse("""{"name": "k", "kernel_size": [3, 3]}""")!);
        Assert.Equal((1, "valid", new Size2D(1, 1)), (keras.DepthMultiplier, keras.Padding, keras.Strides));
    }

    [Fact]
    public void A_model_saves_loads_and_gradients_check()
    {
        var model = new Sequential(
            new DepthwiseConv2D(3, padding: "same", depthMultiplier: 2, activation: "relu", inputShape: [6, 6, 2]),
            new SeparableConv2D(3, 3, strides: 2, activation: "relu"),
            new Conv2D(4, 1, groups: 1),
            new Conv2D(4, 2, groups: 2),
            new Flatten(),
            new Dense(2));
        var x = Tensor.RandomNormal([3, 6, 6, 2], generator: new RandomGenerator(5));
        LayerRoundTrip.Saved(model, x);
        var layer = new DepthwiseConv2D(2, depthMultiplier: 2, activation: "tanh", biasInitializer: new RandomUniform(seed: 1));
        var input = Tensor.RandomNormal([2, 4, 5, 3], generator: new RandomGenerator(6)).WithRequiresGrad();
        layer.Call(input);
        var result = GradientChecker.Check(t => layer.Call(t[0]), [input, layer.Kernel, layer.Bias!]);
        Assert.True(result.Passed, result.ToString());
    }
}

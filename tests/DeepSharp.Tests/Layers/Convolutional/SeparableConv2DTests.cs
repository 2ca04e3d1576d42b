using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

using Ops = global::DeepSharp.Ops;

public class SeparableConv2DTests
{
    [Fact]
    public void Builds_keras_weights_and_is_a_depthwise_then_a_pointwise_convolution()
    {
        var layer = new SeparableConv2D(4, 3, depthMultiplier: 2, padding: "same", activation: "relu",
            depthwiseInitializer: new GlorotUniform(seed: 1), pointwiseInitializer: new GlorotUniform(seed: 2), biasInitializer: new RandomUniform(seed: 3));
        var x = Tensor.RandomNormal([2, 5, 6, 3], generator: new RandomGenerator(4));
        var y = layer.Call(x);
        Assert.Equal(new TensorShape(2, 5, 6, 4), y.Shape);
        Assert.Equal(["depthwise_kernel", "pointwise_kernel", "bias"], layer.Weights.Select(w => w.Name!.Split('/')[1]));
        Assert.Equal(new TensorShape(3, 3, 3, 2), layer.DepthwiseKernel.Shape);
        Assert.Equal(new TensorShape(1, 1, 6, 4), layer.PointwiseKernel.Shape);
        var expected = Ops.Conv2D(Ops.DepthwiseConv2D(x, layer.DepthwiseKernel, padding: "same"), layer.PointwiseKernel, layer.Bias).Relu();
        DeepSharp.Tests.Ops.OpAssert.Close(expected.ToArray(), y.ToArray(), 1e-6, 1e-6);
        var result = GradientChecker.Check(t => layer.Call(t[0]), [x.WithRequiresGrad(), layer.DepthwiseKernel, layer.PointwiseKernel, layer.Bias!]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Arguments_are_validated_and_the_configuration_matches_keras()
    {
        Assert.Contains("filters", Assert.Throws<ArgumentOutOfRangeException>(() => new SeparableConv2D(0, 3)).Message);
        Assert.Contains("depthMultiplier", Assert.Throws<ArgumentOutOfRangeException>(() => new SeparableConv2D(2, 3, depthMultiplier: -1)).Message);
        var e = Assert.Throws<ArgumentException>(() => new SeparableConv2D(2, 5, name: "small").Call(Tensor.Ones(1, 4, 4, 1)));
        Assert.Contains("small", e.Message);
        Assert.Contains("(None, 4, 4, 1)", e.Message);
        var layer = new SeparableConv2D(8, (3, 3), strides: 1, padding: "same", depthMultiplier: 2, useBias: false,
            pointwiseRegularizer: new L1(0.01f), name: "sep", inputShape: [8, 8, 3]);
        var config = layer.GetConfig();
        Assert.Equal(new[] { "name", "trainable", "input_shape", "depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format",
            "dilation_rate", "activation", "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer",
            "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer" }, config.Select(p => p.Key));
        var copy = LayerRoundTrip.Of(layer);
        Assert.Equal((8, 2, false), (copy.Filters, copy.DepthMultiplier, copy.UseBias));
        Assert.IsType<L1>(copy.PointwiseRegularizer);
        var keras = SeparableConv2D.FromConfig((JsonObject)JsonNode.Parse("""{"name": "k", "filters": 2, "kernel_size": 3}""")!);
        Assert.Equal((1, "valid", true), (keras.DepthMultiplier, keras.Padding, keras.UseBias));
    }
}

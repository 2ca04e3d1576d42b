namespace DeepSharp.Tests.Layers;

using Ops = global::DeepSharp.Ops;

public class Conv1DTests
{
    [Fact]
    public void Builds_a_kio_kernel_and_computes_output_shapes_as_keras()
    {
        var conv = new Conv1D(8, 3, activation: "relu");
        var y = conv.Call(Tensor.Ones(2, 20, 4));
        Assert.Equal(new TensorShape(2, 18, 8), y.Shape);
        Assert.Equal(new TensorShape(3, 4, 8), conv.Kernel.Shape);
        Assert.Equal(new TensorShape(8), conv.Bias!.Shape);
        Assert.Equal(3 * 4 * 8 + 8, conv.CountParams());
        Assert.StartsWith("conv1d", conv.Name);
        Assert.Equal(new TensorShape(10, 8), new Conv1D(8, 3, strides: 2, padding: "same").ComputeOutputShape([20, 4]));
        Assert.Equal(new TensorShape(20, 8), new Conv1D(8, 5, padding: "causal", dilationRate: 2).ComputeOutputShape([20, 4]));
        Assert.Equal(new TensorShape(10, 8), new Conv1D(8, 4, strides: 2, padding: "causal").ComputeOutputShape([20, 4]));
        Assert.Equal(new TensorShape(12, 8), new Conv1D(8, 5, dilationRate: 2).ComputeOutputShape([20, 4]));
        var grouped = new Conv1D(6, 3, groups: 2);
        grouped.EnsureBuilt([9, 4]);
        Assert.Equal(new TensorShape(3, 2, 6), grouped.Kernel.Shape);
    }

    [Fact]
    public void Computes_the_convolution_with_bias_and_activation()
    {
        var conv = new Conv1D(1, 2, activation: "relu", kernelInitializer: "ones", biasInitializer: new Constant(-4f));
        var x = Tensor.Arange(5).Reshape(1, 5, 1);
        // Windows sum to 0+1, 1+2, 2+3, 3+4; minus 4, then relu.
        Assert.Equal(new[] { 0f, 0f, 1f, 3f }, conv.Call(x).ToArray());
        var causal = new Conv1D(1, 2, padding: "causal", kernelInitializer: "ones", useBias: false);
        Assert.Equal(new[] { 0f, 1f, 3f, 5f, 7f }, causal.Call(x).ToArray());
    }

    [Fact]
    public void Arguments_and_inputs_are_validated_naming_the_layer_and_the_values()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(0, 3));
        Assert.Contains("filters", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(4, 0));
        Assert.Contains("Conv1D: kernelSize must be a positive integer; got 0.", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(4, 3, strides: -2));
        Assert.Contains("-2", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => new Conv1D(4, 3, padding: "full"));
        Assert.Contains("\"valid\", \"same\" or \"causal\"", e4.Message);
        var e5 = Assert.Throws<ArgumentException>(() => new Conv1D(5, 3, groups: 2));
        Assert.Contains("filters (5)", e5.Message);
        Assert.Contains("groups (2)", e5.Message);
        var e6 = Assert.Throws<ArgumentException>(() => new Conv1D(4, 3, name: "seq_conv").Call(Tensor.Ones(2, 5, 5, 1)));
        Assert.Equal("Conv1D 'seq_conv' expects input of rank 3 (batch, steps, channels), got (None, 5, 5, 1).", e6.Message);
        var e7 = Assert.Throws<ArgumentException>(() => new Conv1D(4, 6, name: "long_kernel").Call(Tensor.Ones(1, 4, 2)));
        Assert.Contains("long_kernel", e7.Message);
        Assert.Contains("the kernel 6", e7.Message);
        Assert.Contains("(None, 4, 2)", e7.Message);
        var e8 = Assert.Throws<ArgumentException>(() => new Conv1D(4, 3, groups: 2, name: "odd").Call(Tensor.Ones(1, 6, 3)));
        Assert.Contains("3 channels", e8.Message);
        Assert.Contains("2 groups", e8.Message);
    }

    [Fact]
    public void Configuration_matches_keras_and_round_trips()
    {
        var conv = new Conv1D(16, 5, strides: 1, padding: "causal", dilationRate: 2, activation: "tanh", groups: 2,
            kernelRegularizer: new L2(0.01f), name: "wave", inputShape: [100, 4]);
        var config = conv.GetConfig();
        Assert.Equal("[5]", config["kernel_size"]!.ToJsonString());
        Assert.Equal("[1]", config["strides"]!.ToJsonString());
        Assert.Equal("[2]", config["dilation_rate"]!.ToJsonString());
        Assert.Equal("causal", config["padding"]!.GetValue<string>());
        Assert.Equal(2, config["groups"]!.GetValue<int>());
        Assert.Equal("channels_last", config["data_format"]!.GetValue<string>());
        var copy = LayerRoundTrip.Of(conv);
        Assert.Equal((5, 2, "causal", 2), (copy.KernelSize, copy.DilationRate, copy.Padding, copy.Groups));
        var keras = Conv1D.FromConfig((System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(
            """{"name": "k", "filters": 3, "kernel_size": 4, "strides": [2], "padding": "same"}""")!);
        Assert.Equal((4, 2, "same", 1, 1), (keras.KernelSize, keras.Strides, keras.Padding, keras.DilationRate, keras.Groups));
    }

    [Fact]
    public void A_sequence_model_saves_loads_and_trains()
    {
        var model = new Sequential(
            new Conv1D(6, 3, padding: "causal", activation: "relu", inputShape: [12, 2]),
            new MaxPooling1D(2),
            new Conv1D(4, 3, padding: "same", groups: 2),
            new GlobalAveragePooling1D(),
            new Dense(1));
        model.Compile(new Adam(learningRate: 0.02f), "mse");
        var x = Tensor.RandomNormal([32, 12, 2], generator: new RandomGenerator(1));
        var y = Ops.Sum(x, [1, 2]).Reshape(32, 1);
        double before = model.Evaluate(x, y, verbose: 0).Loss;
        model.Fit(x, y, batchSize: 8, epochs: 20, verbose: 0, seed: 2);
        Assert.True(model.Evaluate(x, y, verbose: 0).Loss < before * 0.5);
        LayerRoundTrip.Saved(model, x);
    }

    [Fact]
    public void Gradients_reach_the_input_kernel_and_bias()
    {
        var conv = new Conv1D(3, 3, strides: 2, padding: "same", activation: "tanh", groups: 1, kernelInitializer: new GlorotUniform(seed: 2),
            biasInitializer: new RandomUniform(-0.5f, 0.5f, seed: 3));
        var x = Tensor.RandomNormal([2, 7, 2], generator: new RandomGenerator(1)).WithRequiresGrad();
        conv.Call(x);
        var result = GradientChecker.Check(t => conv.Call(t[0]), [x, conv.Kernel, conv.Bias!]);
        Assert.True(result.Passed, result.ToString());
    }
}

namespace DeepSharp.Tests.Layers;

public class DenseTests
{
    [Fact]
    public void Builds_a_keras_layout_kernel_and_computes_the_affine_map()
    {
        var dense = new Dense(3, activation: "relu", kernelInitializer: "ones", biasInitializer: new Constant(-1f));
        var x = Tensor.FromArray([1f, 2f, -5f, 0f], 2, 2);
        var y = dense.Call(x);
        Assert.Equal(new TensorShape(2, 3), dense.Kernel.Shape);
        Assert.Equal(new TensorShape(3), dense.Bias!.Shape);
        Assert.Equal([2f, 2f, 2f, 0f, 0f, 0f], y.ToArray()); // relu(1+2-1), relu(-5+0-1)
        Assert.EndsWith("/kernel", dense.Kernel.Name);
    }

    [Fact]
    public void Applies_to_the_last_axis_of_sequences()
    {
        var dense = new Dense(4);
        Assert.Equal(new TensorShape(2, 5, 4), dense.Call(Tensor.Ones(2, 5, 3)).Shape);
        Assert.Equal(new TensorShape(5, 4), dense.ComputeOutputShape([5, 3]));
    }

    [Fact]
    public void Rejects_non_positive_units_naming_the_argument()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(0));
        Assert.Contains("units", e.Message);
        Assert.Contains("0", e.Message);
    }

    [Fact]
    public void Refuses_an_input_of_another_width_after_build()
    {
        var dense = new Dense(2);
        dense.Call(Tensor.Ones(1, 3));
        var e = Assert.Throws<ArgumentException>(() => dense.Call(Tensor.Ones(1, 4)));
        Assert.Contains("(None, 3)", e.Message);
        Assert.Contains("(None, 4)", e.Message);
    }

    [Fact]
    public void Layer_names_are_unique_and_keras_like()
    {
        var a = new Dense(1);
        var b = new Dense(1);
        Assert.NotEqual(a.Name, b.Name);
        Assert.StartsWith("dense", a.Name);
        Assert.Equal("my_dense", new Dense(1, name: "my_dense").Name);
    }

    [Fact]
    public void Gradients_reach_kernel_and_bias()
    {
        var dense = new Dense(2, activation: "tanh", kernelInitializer: new GlorotUniform(seed: 2),
            biasInitializer: new RandomUniform(-0.5f, 0.5f, seed: 3));
        var x = Tensor.RandomNormal([4, 3], generator: new RandomGenerator(1)).WithRequiresGrad();
        dense.Call(x).Sum().Backward();
        Assert.NotNull(dense.Kernel.Grad);
        Assert.NotNull(dense.Bias!.Grad);
        // The layer reads its own weights: nudging them through the checker's inputs nudges the layer.
        var result = GradientChecker.Check(t => dense.Call(t[0]), [x, dense.Kernel, dense.Bias]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Without_bias_the_layer_has_only_a_kernel()
    {
        var dense = new Dense(2, useBias: false, kernelInitializer: "ones");
        var y = dense.Call(Tensor.FromArray([1f, 2f, 3f], 1, 3));
        Assert.Null(dense.Bias);
        Assert.Single(dense.Weights);
        Assert.Equal(6, dense.CountParams());
        Assert.Equal([6f, 6f], y.ToArray());
        Assert.False(dense.GetConfig()["use_bias"]!.GetValue<bool>());
        Assert.Null(LayerRoundTrip.Of(dense).Bias);
    }

    [Fact]
    public void A_frozen_layer_keeps_its_weights_while_the_rest_trains()
    {
        var frozen = new Dense(4, activation: "tanh", kernelInitializer: new GlorotUniform(seed: 1), inputShape: [3]) { Trainable = false };
        var head = new Dense(1, kernelInitializer: new GlorotUniform(seed: 2));
        var model = new Sequential(frozen, head);
        model.Compile(new SGD(learningRate: 0.1f), "mse");
        Assert.Empty(frozen.TrainableWeights);
        Assert.Equal(2, frozen.NonTrainableWeights.Count);
        var frozenBefore = frozen.Kernel.ToArray();
        var headBefore = head.Kernel.ToArray();
        var x = Tensor.RandomNormal([16, 3], generator: new RandomGenerator(3));
        model.Fit(x, Tensor.Ones(16, 1), batchSize: 4, epochs: 2, verbose: 0);
        Assert.Equal(frozenBefore, frozen.Kernel.ToArray());
        Assert.Equal(new float[4], frozen.Bias!.ToArray());
        Assert.NotEqual(headBefore, head.Kernel.ToArray());
        Assert.False(frozen.GetConfig()["trainable"]!.GetValue<bool>());
        Assert.False(LayerRoundTrip.Of(frozen).Trainable);
    }

    [Fact]
    public void Configuration_round_trips_every_argument()
    {
        var dense = new Dense(5, activation: Activations.LeakyReluWith(0.3f), useBias: true,
            kernelInitializer: new HeNormal(seed: 4), biasInitializer: new Constant(0.1f),
            kernelRegularizer: new L1L2(0.01f, 0.02f), biasRegularizer: new L2(0.03f), activityRegularizer: new L1(0.04f),
            name: "configured", inputShape: [7]);
        var config = dense.GetConfig();
        Assert.Equal(5, config["units"]!.GetValue<int>());
        Assert.Equal("HeNormal", config["kernel_initializer"]!["class_name"]!.GetValue<string>());
        Assert.Equal("L1L2", config["kernel_regularizer"]!["class_name"]!.GetValue<string>());
        Assert.Equal("[7]", config["input_shape"]!.ToJsonString());
        var copy = LayerRoundTrip.Of(dense);
        Assert.Equal(("configured", 5), (copy.Name, copy.Units));
        Assert.Equal((0.01f, 0.02f), (Assert.IsType<L1L2>(copy.KernelRegularizer).L1Factor, ((L1L2)copy.KernelRegularizer!).L2Factor));
        Assert.Equal(0.03f, Assert.IsType<L2>(copy.BiasRegularizer).Factor);
        Assert.Equal(0.04f, Assert.IsType<L1>(copy.ActivityRegularizer).Factor);
        var x = Tensor.RandomNormal([3, 7], generator: new RandomGenerator(5));
        Assert.Equal(dense.Call(x).ToArray(), copy.Call(x).ToArray()); // same seed, same activation
    }

    [Fact]
    public void An_activation_object_is_applied_like_its_name()
    {
        var x = Tensor.RandomNormal([4, 3], generator: new RandomGenerator(6));
        Dense Make(ActivationFunction activation) => new(3, activation, kernelInitializer: new GlorotUniform(seed: 7));
        Assert.Equal(Make("sigmoid").Call(x).ToArray(), Make(Activations.Sigmoid).Call(x).ToArray());
        var leaky = Make(Activations.LeakyReluWith(0.5f));
        var linear = Make(Activations.Linear).Call(x).ToArray();
        var expected = linear.Select(v => v < 0 ? 0.5f * v : v).ToArray();
        Assert.Equal(expected, leaky.Call(x).ToArray());
        Assert.Equal("sigmoid", Make(Activations.Sigmoid).GetConfig()["activation"]!.GetValue<string>());
    }
}

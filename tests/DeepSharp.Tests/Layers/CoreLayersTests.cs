namespace DeepSharp.Tests.Layers;

/// <summary>The small core layers on their own: Activation, Reshape, Input and Dropout.</summary>
public class CoreLayersTests
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

    [Fact]
    public void Reshape_keeps_the_batch_and_infers_one_dimension()
    {
        var x = Tensor.Arange(24).Reshape(2, 12);
        var y = new Reshape([3, -1]).Call(x);
        Assert.Equal(new TensorShape(2, 3, 4), y.Shape);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.Equal(new TensorShape(2, 2, 3), new Reshape([2, 2, 3]).ComputeOutputShape([12]));
        var copy = LayerRoundTrip.Of(new Reshape([4, -1], inputShape: [12]));
        Assert.Equal([4, -1], copy.TargetShape);
    }

    [Fact]
    public void Reshape_passes_gradients_back_in_the_input_shape()
    {
        var layer = new Reshape([2, 3]);
        var x = Tensor.RandomUniform([2, 6], -1f, 1f, new RandomGenerator(2)).WithRequiresGrad();
        var y = layer.Call(x);
        var weights = Tensor.Arange(12).Reshape(2, 2, 3);
        (y * weights).Sum().Backward();
        Assert.Equal(new TensorShape(2, 6), x.Grad!.Shape);
        Assert.Equal(weights.ToArray(), x.Grad.ToArray());
        var result = GradientChecker.Check(t => layer.Call(t[0]) * weights, [x]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Reshape_refuses_a_target_that_does_not_fit_naming_layer_shapes_and_counts()
    {
        var layer = new Reshape([5, -1], name: "bad_reshape");
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(2, 12)));
        Assert.Contains("bad_reshape", e.Message);
        Assert.Contains("(None, 12)", e.Message);
        Assert.Contains("12 values per sample", e.Message);
        Assert.Contains("(5, -1)", e.Message);
        var fixedSize = Assert.Throws<ArgumentException>(() => new Reshape([3, 3]).ComputeOutputShape([8]));
        Assert.Contains("(None, 8)", fixedSize.Message);
        Assert.Contains("(3, 3)", fixedSize.Message);
        var twoUnknown = Assert.Throws<ArgumentException>(() => new Reshape([-1, -1]));
        Assert.Equal("targetShape", twoUnknown.ParamName);
        Assert.Contains("(-1, -1)", twoUnknown.Message);
        Assert.Throws<ArgumentException>(() => new Reshape([0, 4]));
        Assert.Throws<ArgumentException>(() => new Reshape([-2, 4]));
    }

    [Fact]
    public void Input_declares_the_shape_and_passes_data_through()
    {
        var input = new Input([4]);
        Assert.Equal(new TensorShape(4), input.Shape);
        Assert.Equal(new TensorShape(4), input.DeclaredInputShape);
        Assert.Equal("InputLayer", input.ClassName);
        Assert.StartsWith("input_layer", input.Name);
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 4);
        Assert.Equal(x.ToArray(), input.Call(x).ToArray());
        var e = Assert.Throws<ArgumentException>(() => input.ComputeOutputShape([5]));
        Assert.Contains("(None, 4)", e.Message);
        Assert.Contains("(None, 5)", e.Message);
        var model = new Sequential(new Input([3]), new Dense(2));
        Assert.Equal(new TensorShape(3), model.DeclaredInputShape);
        var config = input.GetConfig();
        Assert.Equal("[null,4]", config["batch_shape"]!.ToJsonString());
        Assert.Equal(new TensorShape(4), LayerRoundTrip.Of(input).Shape);
    }

    [Fact]
    public void Dropout_is_identity_at_inference_and_with_rate_zero()
    {
        var x = Tensor.RandomUniform([4, 50], 1f, 2f, new RandomGenerator(3));
        var dropout = new Dropout(0.5, seed: 1);
        Assert.Equal(x.ToArray(), dropout.Call(x).ToArray());
        Assert.Equal(x.ToArray(), dropout.Call(x, training: false).ToArray());
        Assert.Equal(x.ToArray(), new Dropout(0).Call(x, training: true).ToArray());
    }

    [Fact]
    public void Dropout_in_training_zeroes_about_rate_and_scales_the_rest_by_one_over_keep()
    {
        // 20000 values with rate 0.3: the dropped fraction lies within 6·√(0.3·0.7/20000) ≈ 0.019 of 0.3.
        var x = Tensor.Full([100, 200], 2f);
        var y = new Dropout(0.3, seed: 4).Call(x, training: true).ToArray();
        int dropped = y.Count(v => v == 0f);
        Assert.InRange(dropped / 20000.0, 0.3 - 0.019, 0.3 + 0.019);
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 2f / 0.7f) < 1e-5, $"value {v}"));
    }

    [Fact]
    public void Dropout_gradient_follows_the_mask()
    {
        var x = Tensor.Ones(8, 16).WithRequiresGrad();
        var y = new Dropout(0.5, seed: 5).Call(x, training: true);
        y.Sum().Backward();
        var outputs = y.ToArray();
        var grads = x.Grad!.ToArray();
        for (int i = 0; i < grads.Length; i++) Assert.Equal(outputs[i], grads[i]); // both 0 or 1/(1 - rate)
    }

    [Fact]
    public void Dropout_seeds_reproduce_masks_and_bad_rates_are_refused()
    {
        var x = Tensor.Ones(4, 32);
        Assert.Equal(new Dropout(0.4, seed: 6).Call(x, training: true).ToArray(), new Dropout(0.4, seed: 6).Call(x, training: true).ToArray());
        Assert.NotEqual(new Dropout(0.4, seed: 6).Call(x, training: true).ToArray(), new Dropout(0.4, seed: 7).Call(x, training: true).ToArray());
        foreach (double rate in new[] { -0.1, 1.0, double.NaN })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(rate));
            Assert.Equal("rate", e.ParamName);
            Assert.Contains($"got {rate}", e.Message);
        }
        var copy = LayerRoundTrip.Of(new Dropout(0.25, seed: 8));
        Assert.Equal((0.25f, (long?)8), (copy.Rate, copy.Seed));
    }
}

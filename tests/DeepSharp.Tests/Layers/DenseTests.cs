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
}

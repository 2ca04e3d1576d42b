using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

public class LayerNormalizationTests
{
    public static TheoryData<string, string> Cases => NormalizationFixture.Cases("layer_normalization");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch_forward_and_backward(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var layer = new LayerNormalization(f.Ints("axis")!);
        NormalizationFixture.Check(f, layer, () => (layer.Gamma, layer.Beta));
    }

    [Fact]
    public void Gradient_checks()
    {
        var x = OpAssert.Random(1, -2f, 2f, 2, 3, 4);
        var layer = new LayerNormalization([1, 2], epsilon: 0.01f, gammaInitializer: new RandomNormal(seed: 3), betaInitializer: new RandomNormal(seed: 4));
        layer.Call(x);
        OpAssert.GradientChecks(t => layer.Call(t[0]), x);
        var y = Tensor.RandomUniform([2, 3, 4], -2f, 2f, new RandomGenerator(2));
        OpAssert.GradientChecks(_ => layer.Call(y), layer.Gamma!, layer.Beta!);
    }

    [Fact]
    public void Each_sample_is_normalized_on_its_own_the_same_in_training_and_inference()
    {
        var layer = new LayerNormalization(center: false, scale: false);
        var x = Tensor.FromArray([1f, 3f, 10f, 30f], 2, 2);
        var y = layer.Call(x, training: true).ToArray();
        float one = 1f / MathF.Sqrt(1f + 1e-3f), ten = 10f / MathF.Sqrt(100f + 1e-3f);
        OpAssert.Close([-one, one, -ten, ten], y, 1e-6, 1e-6);
        Assert.Equal(y, layer.Call(x, training: false).ToArray());
        Assert.Empty(layer.Weights);
    }

    [Fact]
    public void Weights_are_shaped_like_the_normalized_axes()
    {
        var layer = new LayerNormalization([-3, -1]);
        layer.Call(Tensor.Ones(2, 5, 6, 7));
        Assert.Equal(new TensorShape(5, 7), layer.Gamma!.Shape);
        Assert.Equal(new TensorShape(5, 7), layer.Beta!.Shape);
        Assert.EndsWith("gamma", layer.Gamma.Name);
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_layer_and_values()
    {
        Assert.Contains("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new LayerNormalization(epsilon: 0f)).Message);
        Assert.Contains("batch axis", Assert.Throws<ArgumentOutOfRangeException>(() => new LayerNormalization(axis: 0)).Message);
        Assert.Contains("no axis", Assert.Throws<ArgumentException>(() => new LayerNormalization(axis: Array.Empty<int>())).Message);
        var e = Assert.Throws<ArgumentException>(() => new LayerNormalization(axis: 3, name: "ln").Call(Tensor.Ones(2, 4)));
        Assert.Contains("'ln'", e.Message);
        Assert.Contains("(None, 4)", e.Message);
        Assert.Contains("axis 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => new LayerNormalization([1, -2], name: "ln2").Call(Tensor.Ones(2, 4, 3)));
        Assert.Contains("named twice", e.Message);
    }

    [Fact]
    public void Configuration_round_trips()
    {
        var copy = LayerRoundTrip.Of(new LayerNormalization([1, 2], epsilon: 1e-5f, center: false, gammaRegularizer: new L2(0.01f)));
        Assert.Equal(new[] { 1, 2 }, copy.Axis);
        Assert.Equal(1e-5f, copy.Epsilon);
        Assert.False(copy.Center);
        Assert.IsType<L2>(copy.GammaRegularizer);
        Assert.Equal(new[] { -1 }, LayerRoundTrip.Of(new LayerNormalization()).Axis);
    }

    [Fact]
    public void A_model_saves_and_loads_its_weights()
    {
        var model = new Sequential(new Dense(6, inputShape: [4]), new LayerNormalization(gammaInitializer: new RandomUniform(0.5f, 1.5f, seed: 2),
            betaInitializer: new RandomNormal(seed: 5)));
        NormalizationFixture.SavesAndLoads(model, Tensor.RandomNormal([3, 4], generator: new RandomGenerator(7)));
    }
}

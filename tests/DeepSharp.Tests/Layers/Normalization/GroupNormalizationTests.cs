using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

public class GroupNormalizationTests
{
    public static TheoryData<string, string> Cases => NormalizationFixture.Cases("group_normalization");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch_forward_and_backward(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var layer = new GroupNormalization(groups: (int)f.Float("groups", 32));
        NormalizationFixture.Check(f, layer, () => (layer.Gamma, layer.Beta));
    }

    [Fact]
    public void Gradient_checks()
    {
        var x = OpAssert.Random(1, -2f, 2f, 2, 4, 3);
        var layer = new GroupNormalization(groups: 2, axis: 1, epsilon: 0.01f, gammaInitializer: new RandomNormal(seed: 3), betaInitializer: new RandomNormal(seed: 4));
        layer.Call(x);
        OpAssert.GradientChecks(t => layer.Call(t[0]), x);
        var y = Tensor.RandomUniform([2, 4, 3], -2f, 2f, new RandomGenerator(2));
        OpAssert.GradientChecks(_ => layer.Call(y), layer.Gamma!, layer.Beta!);
    }

    [Fact]
    public void Channels_on_a_middle_axis_are_grouped_as_on_the_last()
    {
        var x = Tensor.RandomNormal([2, 3, 6], generator: new RandomGenerator(5));
        var last = new GroupNormalization(groups: 2, center: false, scale: false).Call(x);
        var middle = new GroupNormalization(groups: 2, axis: 1, center: false, scale: false).Call(x.Permute(0, 2, 1).Contiguous());
        OpAssert.Close(last.ToArray(), middle.Permute(0, 2, 1).Contiguous().ToArray(), 1e-5, 1e-6);
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_layer_and_values()
    {
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(groups: 0)).Message);
        Assert.Contains("got -2", Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(groups: -2)).Message);
        Assert.Contains("batch axis", Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(axis: 0)).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(epsilon: float.NaN)).Message);
        var e = Assert.Throws<ArgumentException>(() => new GroupNormalization(groups: 4, name: "gn").Call(Tensor.Ones(2, 5, 6)));
        Assert.Contains("'gn'", e.Message);
        Assert.Contains("4 groups", e.Message);
        Assert.Contains("6 channels", e.Message);
        Assert.Contains("(None, 5, 6)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new GroupNormalization(name: "default").Call(Tensor.Ones(2, 16)));
        Assert.Contains("32 groups", e.Message);
    }

    [Fact]
    public void Configuration_round_trips()
    {
        var copy = LayerRoundTrip.Of(new GroupNormalization(groups: -1, axis: 2, epsilon: 1e-5f, scale: false, betaRegularizer: new L1(0.1f)));
        Assert.Equal(-1, copy.Groups);
        Assert.Equal(2, copy.Axis);
        Assert.Equal(1e-5f, copy.Epsilon);
        Assert.False(copy.Scale);
        Assert.IsType<L1>(copy.BetaRegularizer);
    }

    [Fact]
    public void A_model_saves_and_loads_its_weights()
    {
        var model = new Sequential(new Conv2D(4, 3, inputShape: [5, 5, 1]), new GroupNormalization(groups: 2,
            gammaInitializer: new RandomUniform(0.5f, 1.5f, seed: 2), betaInitializer: new RandomNormal(seed: 5)));
        NormalizationFixture.SavesAndLoads(model, Tensor.RandomNormal([3, 5, 5, 1], generator: new RandomGenerator(7)));
    }
}

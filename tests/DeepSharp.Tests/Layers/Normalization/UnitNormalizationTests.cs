using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

public class UnitNormalizationTests
{
    public static TheoryData<string, string> Cases => NormalizationFixture.Cases("unit_normalization");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch_forward_and_backward(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        NormalizationFixture.Check(f, new UnitNormalization(f.Ints("axis")!), () => (null, null));
    }

    [Fact]
    public void Gradient_checks()
    {
        var x = OpAssert.Random(1, -2f, 2f, 2, 3, 4);
        OpAssert.GradientChecks(t => new UnitNormalization().Call(t[0]), x);
        OpAssert.GradientChecks(t => new UnitNormalization([1, 2]).Call(t[0]), x);
    }

    [Fact]
    public void Vectors_get_unit_length_and_zero_stays_zero()
    {
        var y = new UnitNormalization().Call(Tensor.FromArray([3f, 4f, 0f, 0f], 2, 2)).ToArray();
        OpAssert.Close([0.6f, 0.8f, 0f, 0f], y, 1e-6, 1e-7);
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_layer_and_values()
    {
        Assert.Contains("batch axis", Assert.Throws<ArgumentOutOfRangeException>(() => new UnitNormalization(axis: [1, 0])).Message);
        var e = Assert.Throws<ArgumentException>(() => new UnitNormalization(axis: -3, name: "unit").Call(Tensor.Ones(2, 4)));
        Assert.Contains("'unit'", e.Message);
        Assert.Contains("axis -3", e.Message);
        Assert.Contains("(None, 4)", e.Message);
    }

    [Fact]
    public void Configuration_round_trips()
    {
        Assert.Equal(new[] { 1, 2 }, LayerRoundTrip.Of(new UnitNormalization([1, 2], name: "u")).Axis);
        Assert.Equal(new[] { -1 }, LayerRoundTrip.Of(new UnitNormalization()).Axis);
    }

    [Fact]
    public void A_model_saves_and_loads()
    {
        var model = new Sequential(new Dense(6, inputShape: [4]), new UnitNormalization());
        NormalizationFixture.SavesAndLoads(model, Tensor.RandomNormal([3, 4], generator: new RandomGenerator(7)));
    }
}

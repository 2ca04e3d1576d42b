using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

public class AdditiveAttentionTests
{
    public static TheoryData<string, string> Cases => AttentionFixture.Cases("additive_attention");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch_forward_and_backward(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var layer = new AdditiveAttention(useScale: f.Bool("use_scale", true));
        int sequences = f.Inputs.Count(t => t.Shape.Length == 3);
        AttentionFixture.Check(f, layer, Enumerable.Range(0, sequences).ToArray(),
            () => new[] { layer.ScaleWeight }.OfType<Tensor>().ToList(), Enumerable.Range(sequences, f.Inputs.Length - sequences).ToArray());
    }

    [Fact]
    public void Gradient_checks()
    {
        var q = OpAssert.Random(1, -1f, 1f, 2, 3, 4);
        var v = OpAssert.Random(2, -1f, 1f, 2, 5, 3);
        var k = OpAssert.Random(3, -1f, 1f, 2, 5, 4);
        var layer = new AdditiveAttention();
        layer.Call([q, v, k]);
        Assert.Equal(new TensorShape(4), layer.ScaleWeight!.Shape);
        OpAssert.GradientChecks(t => layer.Call([t[0], t[1], t[2]]), q, v, k, layer.ScaleWeight);
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_layer_and_values()
    {
        Assert.Contains("got -0.1", Assert.Throws<ArgumentOutOfRangeException>(() => new AdditiveAttention(dropout: -0.1)).Message);
        var layer = new AdditiveAttention(name: "add_att");
        var e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 2)]));
        Assert.Contains("'add_att'", e.Message);
        Assert.Contains("query 4, key 2", e.Message);
    }

    [Fact]
    public void Configuration_round_trips_and_a_model_saves_and_loads()
    {
        var copy = LayerRoundTrip.Of(new AdditiveAttention(useScale: false, dropout: 0.1, seed: 4));
        Assert.False(copy.UseScale);
        Assert.Equal(0.1, copy.Dropout);

        var q = new Input([3, 4]);
        var v = new Input([5, 4]);
        var model = new Model([q, v], [new AdditiveAttention().Call([q, v])]);
        AttentionModelFile.SavesAndLoads(model, Tensor.RandomNormal([2, 3, 4], generator: new RandomGenerator(1)),
            Tensor.RandomNormal([2, 5, 4], generator: new RandomGenerator(2)));
    }
}

using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

public class AttentionTests
{
    public static TheoryData<string, string> Cases => AttentionFixture.Cases("attention");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch_forward_and_backward(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        bool useScale = f.Bool("use_scale", false);
        string mode = f.Has("score_mode") ? f.String("score_mode") : "dot";
        var layer = new Attention(useScale, mode);
        int sequences = f.Inputs.Count(t => t.Shape.Length == 3);
        int[] weightInputs = Enumerable.Range(sequences, f.Inputs.Length - sequences).ToArray();
        AttentionFixture.Check(f, layer, Enumerable.Range(0, sequences).ToArray(),
            () => new[] { layer.ScaleWeight, layer.ConcatScoreWeight }.OfType<Tensor>().ToList(), weightInputs);
    }

    [Fact]
    public void Gradient_checks()
    {
        var q = OpAssert.Random(1, -1f, 1f, 2, 3, 4);
        var v = OpAssert.Random(2, -1f, 1f, 2, 5, 4);
        var dot = new Attention(useScale: true);
        dot.Call([q, v]);
        OpAssert.GradientChecks(t => dot.Call([t[0], t[1]]), q, v, dot.ScaleWeight!);
        var concat = new Attention(useScale: true, scoreMode: "concat");
        concat.Call([q, v]);
        OpAssert.GradientChecks(t => concat.Call([t[0], t[1]]), q, v, concat.ScaleWeight!, concat.ConcatScoreWeight!);
    }

    [Fact]
    public void Dropout_acts_in_training_only_and_in_a_functional_model()
    {
        var q = new Input([3, 4]);
        var v = new Input([5, 4]);
        var layer = new Attention(dropout: 0.5, seed: 3);
        var model = new Model([q, v], [new Attention(dropout: 0.5, seed: 3).Call([q, v])]);
        var x = Tensor.RandomNormal([2, 3, 4], generator: new RandomGenerator(1));
        var y = Tensor.RandomNormal([2, 5, 4], generator: new RandomGenerator(2));
        var inference = layer.Call([x, y]).ToArray();
        Assert.Equal(inference, layer.Call([x, y], training: false).ToArray());
        Assert.NotEqual(inference, layer.Call([x, y], training: true).ToArray());
        Assert.Equal(inference, model.Predict([x, y])[0].ToArray());
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_layer_and_values()
    {
        Assert.Contains("\"sum\"", Assert.Throws<ArgumentException>(() => new Attention(scoreMode: "sum")).Message);
        Assert.Contains("got 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Attention(dropout: 1)).Message);
        var layer = new Attention(name: "att");
        var e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 6), Tensor.Ones(2, 5, 3)]));
        Assert.Contains("'att'", e.Message);
        Assert.Contains("query 4, key 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 4), Tensor.Ones(2, 6, 4)]));
        Assert.Contains("same number of steps", e.Message);
        e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 4), Tensor.Ones(2, 4)]));
        Assert.Contains("(batch, steps, features)", e.Message);
        Assert.Contains("(None, 4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 3, 4)]));
        Assert.Contains("2 to 3 inputs; got 1", e.Message);
    }

    [Fact]
    public void Configuration_round_trips()
    {
        var copy = LayerRoundTrip.Of(new Attention(useScale: true, scoreMode: "concat", dropout: 0.25, seed: 9));
        Assert.True(copy.UseScale);
        Assert.Equal("concat", copy.ScoreMode);
        Assert.Equal(0.25, copy.Dropout);
        Assert.Equal(9L, copy.Seed);
    }
}

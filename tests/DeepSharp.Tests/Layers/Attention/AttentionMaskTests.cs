using DeepSharp.Tests.Ops;

namespace DeepSharp.Tests.Layers;

public class AttentionMaskTests
{
    public static TheoryData<string, string> MultiHeadCases => AttentionFixture.Cases("multi_head_attention_masked");

    public static TheoryData<string, string> AttentionCases => AttentionFixture.Cases("attention_masked");

    [Theory]
    [MemberData(nameof(MultiHeadCases))]
    public void Multi_head_attention_masks_match_torch_attn_mask(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        bool useBias = f.Bool("use_bias", true), masked = f.Bool("masked", false), causal = f.Bool("causal", false);
        var layer = new MultiHeadAttention((int)f.Float("num_heads", 0), (int)f.Float("key_dim", 0), useBias: useBias);
        // Cross-attention cases hold query, value, key; self-attention cases x alone. Then the mask, then the weights.
        int[] sequences = useBias ? [0, 1, 2] : [0, 0];
        int mask = masked ? (useBias ? 3 : 1) : -1;
        int first = (useBias ? 3 : 1) + (masked ? 1 : 0);
        Func<IReadOnlyList<Tensor>> weights = useBias
            ? () => [layer.QueryKernel, layer.QueryBias!, layer.KeyKernel, layer.KeyBias!, layer.ValueKernel, layer.ValueBias!, layer.OutputKernel, layer.OutputBias!]
            : () => [layer.QueryKernel, layer.KeyKernel, layer.ValueKernel, layer.OutputKernel];
        AttentionFixture.Check(f, sequences, weights, Enumerable.Range(first, useBias ? 8 : 4).ToArray(),
            (arguments, inputs, training) => layer.Call(arguments, mask < 0 ? null : inputs[mask], causal, training));
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void Attention_query_and_value_masks_match_torch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var layer = new Attention();
        AttentionFixture.Check(f, [0, 1, 2], () => [], [],
            (arguments, inputs, training) => layer.Call(arguments, queryMask: inputs[3], valueMask: inputs[4], useCausalMask: f.Bool("causal", false), training: training));
    }

    [Fact]
    public void Causal_attention_does_not_see_later_steps_and_the_scores_say_so()
    {
        var layer = new MultiHeadAttention(numHeads: 2, keyDim: 3);
        var x = Tensor.RandomNormal([2, 5, 4], generator: new RandomGenerator(1));
        var (y, scores) = layer.CallWithScores([x, x], useCausalMask: true);
        Assert.Equal(new TensorShape(2, 2, 5, 5), scores.Shape);
        var w = scores.ToArray();
        for (int row = 0; row < 2 * 2 * 5; row++)
        {
            int i = row % 5;
            Assert.Equal(1f, w.AsSpan(row * 5, 5).ToArray().Sum(), 5);
            for (int j = i + 1; j < 5; j++) Assert.Equal(0f, w[row * 5 + j]);
        }
        // Changing the last step changes no earlier output.
        var changed = x.ToArray();
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 4; c++) changed[b * 20 + 16 + c] += 3f;
        var x2 = Tensor.FromArray(changed, 2, 5, 4);
        var y2 = layer.Call([x2, x2], useCausalMask: true).ToArray();
        var y1 = y.ToArray();
        for (int b = 0; b < 2; b++)
            Assert.Equal(y1.AsSpan(b * 20, 16).ToArray(), y2.AsSpan(b * 20, 16).ToArray());
    }

    [Fact]
    public void A_query_with_nothing_to_attend_to_gets_zero_weights_not_nan()
    {
        var layer = new MultiHeadAttention(numHeads: 1, keyDim: 2);
        var x = Tensor.RandomNormal([1, 3, 2], generator: new RandomGenerator(2)).WithRequiresGrad();
        var mask = Tensor.FromArray([1, 1, 0, 0, 0, 0, 1, 0, 1], 1, 3, 3);
        var (y, scores) = layer.CallWithScores([x, x], mask);
        Assert.Equal([0f, 0f, 0f], scores.ToArray()[3..6]);
        Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v)));
        DeepSharp.Ops.Sum(y).Backward();
        Assert.All(x.Grad!.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Masks_of_the_wrong_shape_are_refused_naming_them()
    {
        var layer = new MultiHeadAttention(numHeads: 1, keyDim: 2);
        var x = Tensor.Ones(2, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => layer.Call([x, Tensor.Ones(2, 5, 4)], attentionMask: Tensor.Ones(2, 3, 3)));
        Assert.Contains("attention_mask must be (batch 2, 3, 5)", e.Message);
        var attention = new Attention();
        e = Assert.Throws<ArgumentException>(() => attention.Call([x, x], valueMask: Tensor.Ones(2, 4)));
        Assert.Contains("value_mask must be (batch 2, 3)", e.Message);
        var input = new Input([3, 4]);
        e = Assert.Throws<ArgumentException>(() => new MultiHeadAttention(1, 2).Call([input, input], attentionMask: new Input([3, 4])));
        Assert.Contains("attention_mask must be (None, 3, 3)", e.Message);
    }

    [Fact]
    public void Masks_flags_and_scores_survive_the_functional_api_save_and_load()
    {
        var tokens = new Input([5, 4], name: "tokens");
        var allowed = new Input([5, 5], name: "allowed");
        var queryMask = new Input([5], name: "query_mask");
        var (attended, scores) = new MultiHeadAttention(numHeads: 2, keyDim: 3, seed: 4).CallWithScores([tokens, tokens], allowed, useCausalMask: true);
        var dense = new Attention(useScale: true).Call([attended, tokens], queryMask: queryMask, useCausalMask: true);
        var model = new Model([tokens, allowed, queryMask], [dense, scores]);
        var x = Tensor.RandomNormal([3, 5, 4], generator: new RandomGenerator(5));
        var mask = Tensor.FromArray(Enumerable.Range(0, 75).Select(i => i % 4 == 1 ? 0f : 1f).ToArray(), 3, 5, 5);
        var keep = Tensor.FromArray(Enumerable.Range(0, 15).Select(i => i % 5 == 3 ? 0f : 1f).ToArray(), 3, 5);
        var before = model.Predict([x, mask, keep], verbose: 0);
        Assert.Equal(new TensorShape(3, 2, 5, 5), before[1].Shape);
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-masks-{Guid.NewGuid():N}.dsm");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            var after = loaded.Predict([x, mask, keep], verbose: 0);
            Assert.Equal(before[0].ToArray(), after[0].ToArray());
            Assert.Equal(before[1].ToArray(), after[1].ToArray());
        }
        finally
        {
            File.Delete(path);
        }
        // The masks act: the masked query step's output is zero, masked pairs weigh nothing.
        var output = before[0].ToArray();
        Assert.Equal(new float[4], output.AsSpan(3 * 4, 4).ToArray());
        Assert.Equal(0f, before[1].ToArray()[1]); // query step 0 may not see key step 1: causal
    }
}

namespace DeepSharp.Tests.Layers;

/// <summary>
/// Attention over sequences of unknown length, as Keras users write it for text: <c>Input(shape=(None, 6))</c>, a
/// position embedding, MultiHeadAttention with a mask and the scores; the features stay known (the weights need them).
/// </summary>
public class VariableLengthAttentionTests
{
    private static Tensor Mask(int steps, int seed)
    {
        var values = new float[2 * steps * steps];
        var random = new Random(seed);
        for (int i = 0; i < values.Length; i++) values[i] = random.Next(4) == 0 ? 0 : 1;
        return Tensor.FromArray(values, [2, steps, steps]);
    }

    [Fact]
    public void Multi_head_attention_on_none_steps_takes_any_length_with_its_mask_and_scores()
    {
        RandomGenerator.SetSeed(11);
        var tokens = new Input([null, 6]);
        var mask = new Input([null, null]);
        var position = new PositionEmbedding(32);
        var x = new Add().Call([tokens, position.Call(tokens)]);
        var attention = new MultiHeadAttention(2, 4);
        var (output, scores) = attention.CallWithScores([x, x], attentionMask: mask, useCausalMask: true);
        var model = new Model([tokens, mask], [output, scores]);

        Assert.Equal<PartialShape>([null, 6], output.Shape);
        Assert.Equal<PartialShape>([2, null, null], scores.Shape);
        foreach (int steps in new[] { 1, 5, 13 })
        {
            var input = Tensor.RandomUniform([2, steps, 6], -1f, 1f, new RandomGenerator(steps));
            var m = Mask(steps, steps);
            var predicted = model.Predict([input, m], verbose: 0);
            Assert.Equal(new[] { new TensorShape(steps, 6), new TensorShape(2, steps, steps) }, model.FunctionalOutputShapes([input, m]));
            // The same layers called on the batch itself.
            var (expected, weights) = attention.CallWithScores([input + position.Call(input), input + position.Call(input)], m, useCausalMask: true);
            Assert.Equal(expected.ToArray(), predicted[0].ToArray());
            Assert.Equal(weights.ToArray(), predicted[1].ToArray());
        }
        // A mask that does not fit the batch's length is refused on the batch, naming it.
        var error = Assert.Throws<ArgumentException>(() => model.Predict([Tensor.Zeros(2, 5, 6), Mask(4, 0)], verbose: 0));
        Assert.Contains("attention_mask", error.Message);
        // More steps than the position embedding holds are refused too.
        Assert.Throws<ArgumentException>(() => model.Predict([Tensor.Zeros(2, 33, 6), Mask(33, 0)], verbose: 0));
    }

    [Fact]
    public void A_causal_attention_over_none_steps_trains_per_step()
    {
        RandomGenerator.SetSeed(12);
        var inputs = new Input([null, 4]);
        var outputs = new Dense(1).Call(new MultiHeadAttention(2, 4).Call([inputs, inputs], useCausalMask: true));
        var model = new Model(inputs, outputs);
        model.Compile(optimizer: new Adam(learningRate: 0.01), loss: "mse");
        var x = Tensor.RandomUniform([16, 7, 4], -1f, 1f, new RandomGenerator(1));
        var y = Tensor.RandomUniform([16, 7, 1], -1f, 1f, new RandomGenerator(2));
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, shuffle: false);
        // Fit checks the targets against the output's shape for these steps (a call recorded with keywords).
        Assert.Equal(3, history["loss"].Count);
        Assert.All(history["loss"], l => Assert.True(double.IsFinite(l)));
        Assert.Equal(new TensorShape(3, 9, 1), model.Predict(Tensor.Zeros(3, 9, 4), verbose: 0).Shape);
    }

    [Fact]
    public void Attention_refuses_unknown_features_naming_the_input()
    {
        var query = new Input([null, 6]);
        var value = new Input([5, null]);
        var error = Assert.Throws<ArgumentException>(() => new MultiHeadAttention(2, 4).Call([query, value]));
        Assert.Contains("axis 2 of input 1", error.Message);
        Assert.Throws<ArgumentException>(() => new Attention().Call([value, value]));
    }
}

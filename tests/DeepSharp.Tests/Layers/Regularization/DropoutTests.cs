namespace DeepSharp.Tests.Layers;

/// <summary>The Dropout layer.</summary>
public class DropoutTests
{
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

/// <summary>The random generators of layers, which training checkpoints save.</summary>
public class LayerRandomGeneratorTests
{
    [Fact]
    public void A_model_lists_the_generators_of_its_layers_and_of_the_layers_inside_wrappers_each_once()
    {
        var dropout = new Dropout(0.5, seed: 1);
        var model = new Sequential(
            new Dense(4, inputShape: [3, 2]),
            dropout,
            new Bidirectional(new GRU(2, dropout: 0.1, returnSequences: true)),
            new TimeDistributed(new Dense(2)),
            new SpatialDropoutLike(),
            new LSTM(2));
        var generators = new List<RandomGenerator>();

        model.CollectRandomGenerators(generators);

        Assert.Equal(5, generators.Count); // dropout, the two directions' GRUs, the custom layer's, the LSTM's
        Assert.Equal(generators.Count, generators.Distinct().Count());
        var draw = generators[0].NextUInt64();
        Assert.Equal(new RandomGenerator(1).NextUInt64(), draw);
    }

    /// <summary>A custom layer with its own stream, as a user writes one.</summary>
    private sealed class SpatialDropoutLike : Layer
    {
        private readonly RandomGenerator _random;

        public SpatialDropoutLike() => _random = AddRandomGenerator(seed: null);

        public override TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

        protected override Tensor Forward(Tensor inputs, bool training) => training ? DeepSharp.Ops.Dropout(inputs, 0.1f, _random) : inputs;
    }
}

using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

public class BatchNormalizationTests
{
    [Fact]
    public void Training_normalizes_with_batch_statistics_and_moves_the_moving_ones()
    {
        var bn = new BatchNormalization(momentum: 0.9f);
        var x = Tensor.FromArray([1f, 10f, 3f, 30f], 2, 2);
        var y = bn.Call(x, training: true);
        float scale = 1f / MathF.Sqrt(1f + 1e-3f);    // batch variance of (1, 3) is 1
        float scale2 = 1f / MathF.Sqrt(100f + 1e-3f); // of (10, 30) is 100
        Ops.OpAssert.Close([-scale, -10 * scale2, scale, 10 * scale2], y.ToArray(), 1e-6, 1e-6);
        Ops.OpAssert.Close([0.2f, 2f], bn.MovingMean.ToArray(), 1e-6, 1e-6);       // 0·0.9 + mean·0.1
        Ops.OpAssert.Close([1f, 10.9f], bn.MovingVariance.ToArray(), 1e-6, 1e-6);  // 1·0.9 + var·0.1
        Assert.Equal(4, bn.Weights.Count);
        Assert.Equal(2, bn.TrainableWeights.Count);
        Assert.Equal(2, bn.NonTrainableWeights.Count);
        Assert.EndsWith("moving_mean", bn.MovingMean.Name);
    }

    [Fact]
    public void Inference_and_a_frozen_layer_use_the_moving_statistics()
    {
        var bn = new BatchNormalization(gammaInitializer: new Constant(2f), betaInitializer: new Constant(1f),
            movingMeanInitializer: new Constant(3f), movingVarianceInitializer: new Constant(4f), epsilon: 0.01f);
        var x = Tensor.FromArray([5f, 7f], 2, 1);
        float s = 2f / MathF.Sqrt(4.01f);
        Ops.OpAssert.Close([2 * s + 1, 4 * s + 1], bn.Call(x, training: false).ToArray(), 1e-6, 1e-6);
        bn.Trainable = false;
        Ops.OpAssert.Close([2 * s + 1, 4 * s + 1], bn.Call(x, training: true).ToArray(), 1e-6, 1e-6);
        Assert.Equal(new[] { 3f }, bn.MovingMean.ToArray());
    }

    [Fact]
    public void Images_are_normalized_per_channel_over_batch_height_and_width()
    {
        var bn = new BatchNormalization(center: false, scale: false);
        var x = Tensor.RandomNormal([4, 5, 6, 3], mean: 2f, std: 3f, generator: new RandomGenerator(1));
        var y = bn.Call(x, training: true);
        var mean = y.Mean([0, 1, 2]).ToArray();
        var variance = (y * y).Mean([0, 1, 2]).ToArray();
        foreach (var m in mean) Assert.Equal(0f, m, 4);
        foreach (var v in variance) Assert.InRange(v, 0.99f, 1f);
        Assert.Null(bn.Gamma);
        Assert.Null(bn.Beta);
    }

    [Fact]
    public void Arguments_are_validated()
    {
        Assert.Contains("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(momentum: 2f)).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(epsilon: -1f)).Message);
        Assert.Contains("axis", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(axis: 0)).Message);
        var e = Assert.Throws<ArgumentException>(() => new BatchNormalization(axis: 3, name: "bn").Call(Tensor.Ones(2, 4)));
        Assert.Contains("bn", e.Message);
        Assert.Contains("(None, 4)", e.Message);
    }

    [Fact]
    public void Configuration_round_trips()
    {
        var bn = new BatchNormalization(axis: 1, momentum: 0.9f, epsilon: 1e-5f, center: false, gammaRegularizer: new L2(0.01f));
        var copy = LayerRoundTrip.Of(bn);
        Assert.Equal(1, copy.Axis);
        Assert.Equal(0.9f, copy.Momentum);
        Assert.False(copy.Center);
        Assert.True(copy.Scale);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(6, true)]
    [InlineData(3, false)]
    public void A_sequential_runs_a_batch_normalization_and_its_leaky_relu_as_one_op_with_the_bits_of_the_two(int batch, bool training)
    {
        // The DCGAN generator's pattern, small: dense, normalization, leaky ReLU; a transposed convolution, the same on images.
        var model = new Sequential(
            new Dense(4 * 4 * 6, useBias: false, inputShape: [5]),
            new BatchNormalization(momentum: 0.9f),
            new LeakyReLU(0.2f),
            new Reshape([4, 4, 6]),
            new Conv2DTranspose(3, 4, strides: 2, padding: "same", useBias: false),
            new BatchNormalization(momentum: 0.9f),
            new LeakyReLU(0.2f),
            new Flatten(),
            new Dense(1));
        var x = Tensor.RandomUniform([batch, 5], -1f, 1f, new RandomGenerator(31)).WithRequiresGrad();
        var sources = model.TrainableWeights.Append(x).ToList();
        Tensor fused, apart;
        Tensor?[] fusedGradients, apartGradients;
        using (var tape = new GradientTape())
        {
            fused = model.Call(x, training);
            fusedGradients = tape.Gradient((fused * fused).Sum(), sources);
        }
        using (var tape = new GradientTape())
        {
            var h = x;
            foreach (var layer in model.Layers) h = layer.Call(h, training);
            apart = h;
            apartGradients = tape.Gradient((apart * apart).Sum(), sources);
        }
        ThreadCounts.Identical("fused against apart", [apart.ToArray(), .. apartGradients.Select(t => t!.ToArray())],
            [fused.ToArray(), .. fusedGradients.Select(t => t!.ToArray())]);
        var pair = new Sequential(new BatchNormalization(inputShape: [4]), new LeakyReLU(0.2f)).Call(Tensor.Ones(2, 4), training);
        Assert.Equal(global::DeepSharp.Ops.FusesActivations ? "batch_normalization_leaky_relu" : "leaky_relu", pair._producer);
    }
}

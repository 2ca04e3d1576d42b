namespace DeepSharp.Tests.Models;

public class BatchNormStatisticsTests
{
    /// <summary>Per-channel mean and biased variance of a [..., C] tensor, computed directly in double.</summary>
    private static (double[] Mean, double[] Variance) Moments(Tensor t)
    {
        int channels = t.Shape[t.Rank - 1];
        var values = t.ToArray();
        int rows = values.Length / channels;
        var mean = new double[channels];
        var variance = new double[channels];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < channels; c++) mean[c] += values[i * channels + c];
        for (int c = 0; c < channels; c++) mean[c] /= rows;
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < channels; c++) variance[c] += Math.Pow(values[i * channels + c] - mean[c], 2);
        for (int c = 0; c < channels; c++) variance[c] /= rows;
        return (mean, variance);
    }

    private static void AssertClose(double[] expected, Tensor actual, double tolerance)
    {
        var values = actual.ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < values.Length; i++)
            Assert.True(Math.Abs(expected[i] - values[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"channel {i}: expected {expected[i]}, got {values[i]}");
    }

    [Fact]
    public void Each_layer_gets_the_exact_statistics_of_its_inputs_over_all_images_whatever_the_batching()
    {
        RandomGenerator.SetSeed(3);
        var model = new Sequential(
            new Conv2D(3, 3, inputShape: [6, 6, 1]),
            new BatchNormalization(),
            new Activation("relu"),
            new Flatten(),
            new Dense(4),
            new BatchNormalization());
        // Inputs far from zero mean and unit variance, so the initial moving statistics (0 and 1) are wrong.
        var x = Tensor.RandomNormal([23, 6, 6, 1], mean: 2f, std: 3f, generator: new RandomGenerator(5));
        model.EnsureBuilt([6, 6, 1]);
        var layers = model.Layers;
        var first = (BatchNormalization)layers[1];
        var second = (BatchNormalization)layers[5];

        int updated = model.UpdateBatchNormStatistics(x, batchSize: 7); // batches of 7, 7, 7 and 2

        Assert.Equal(2, updated);
        using (global::DeepSharp.Autograd.NoGrad())
        {
            // The first layer's inputs: the convolution of every image, per channel over N·H·W values.
            var (mean1, variance1) = Moments(layers[0].Call(x));
            AssertClose(mean1, first.MovingMean, 1e-5);
            AssertClose(variance1, first.MovingVariance, 1e-4);
            // The second's: what reaches it with the first already using its new statistics.
            var h = x;
            for (int j = 0; j < 5; j++) h = layers[j].Call(h, training: false);
            var (mean2, variance2) = Moments(h);
            AssertClose(mean2, second.MovingMean, 1e-5);
            AssertClose(variance2, second.MovingVariance, 1e-4);
        }
    }

    [Fact]
    public void Learned_weights_are_left_alone_and_a_model_without_batch_normalization_is_unchanged()
    {
        RandomGenerator.SetSeed(4);
        var normalized = new Sequential(new Dense(3, inputShape: [2]), new BatchNormalization(), new Dense(2));
        var plain = new Sequential(new Dense(3, inputShape: [2]), new Dense(2));
        var x = Tensor.RandomNormal([10, 2], mean: 1f, std: 2f, generator: new RandomGenerator(6));
        normalized.EnsureBuilt([2]);
        plain.EnsureBuilt([2]);
        var trainable = normalized.TrainableWeights.Select(w => w.ToArray()).ToList();
        var plainWeights = plain.GetWeights();

        Assert.Equal(1, normalized.UpdateBatchNormStatistics(x, batchSize: 4));
        Assert.Equal(0, plain.UpdateBatchNormStatistics(x));

        Assert.Equal(trainable, normalized.TrainableWeights.Select(w => w.ToArray()).ToList());
        Assert.Equal(plainWeights, plain.GetWeights());
        Assert.NotEqual([0f, 0f, 0f], ((BatchNormalization)normalized.Layers[1]).MovingMean.ToArray());
    }

    [Fact]
    public void A_layer_normalizing_another_axis_is_refused_by_name()
    {
        var model = new Sequential(new Dense(3, inputShape: [2]), new Reshape([3, 1]), new BatchNormalization(axis: 1, name: "bn_rows"));
        model.EnsureBuilt([2]);

        var error = Assert.Throws<ArgumentException>(() => model.UpdateBatchNormStatistics(Tensor.Ones(4, 2)));
        Assert.Contains("bn_rows", error.Message);
        Assert.Contains("axis 1", error.Message);
    }

    [Fact]
    public void A_refused_model_is_left_as_it_was_even_when_an_earlier_layer_could_be_updated()
    {
        var model = new Sequential(new Dense(3, inputShape: [2]), new BatchNormalization(), new Reshape([3, 1]), new BatchNormalization(axis: 1, name: "bn_rows"));
        model.EnsureBuilt([2]);
        var first = (BatchNormalization)model.Layers[1];

        Assert.Throws<ArgumentException>(() => model.UpdateBatchNormStatistics(Tensor.RandomNormal([6, 2], mean: 3f, std: 2f)));

        Assert.Equal([0f, 0f, 0f], first.MovingMean.ToArray());
        Assert.Equal([1f, 1f, 1f], first.MovingVariance.ToArray());
    }

    [Fact]
    public void The_last_axis_may_be_named_by_its_index_and_an_unbuilt_model_is_built_from_the_inputs()
    {
        RandomGenerator.SetSeed(8);
        var byIndex = new Sequential(new Dense(3), new Reshape([3, 1]), new BatchNormalization(axis: 2)); // no input shape: built on first use
        var x = Tensor.RandomNormal([9, 2], mean: 1f, std: 2f, generator: new RandomGenerator(9));

        Assert.False(byIndex.IsBuilt);
        Assert.Equal(1, byIndex.UpdateBatchNormStatistics(x));

        var bn = (BatchNormalization)byIndex.Layers[2];
        using (global::DeepSharp.Autograd.NoGrad())
        {
            var h = byIndex.Layers[1].Call(byIndex.Layers[0].Call(x));
            var (mean, variance) = Moments(h);
            AssertClose(mean, bn.MovingMean, 1e-5);
            AssertClose(variance, bn.MovingVariance, 1e-4);
        }
    }

    [Fact]
    public void Bad_arguments_are_refused_with_what_was_expected()
    {
        var model = new Sequential(new Dense(3, inputShape: [2]), new BatchNormalization());
        Assert.Contains("at least one sample", Assert.Throws<ArgumentException>(() => model.UpdateBatchNormStatistics(Tensor.Zeros(0, 2))).Message);
        Assert.Contains("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.UpdateBatchNormStatistics(Tensor.Ones(4, 2), batchSize: 0)).Message);
        Assert.Throws<ArgumentNullException>(() => model.UpdateBatchNormStatistics(null!));
    }
}

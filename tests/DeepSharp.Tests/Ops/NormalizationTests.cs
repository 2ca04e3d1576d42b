using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>Batch normalization against PyTorch (Keras' epsilon and moving-statistics rule) and finite differences.</summary>
public class NormalizationTests
{
    public static TheoryData<string, string> Cases => PyTorchFixture.Cases("conv/batch_normalization.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batch_normalization_matches_pytorch_and_updates_moving_statistics_as_keras(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var (x, gamma, beta) = (f.Input(0), f.Input(1), f.Input(2));
        var movingMean = f.Tensor("moving_mean");
        var movingVariance = f.Tensor("moving_variance");
        bool training = f.Bool("training", false);
        var y = Ops.BatchNormalization(x, movingMean, movingVariance, gamma, beta, training, f.Float("momentum", 0.99f), f.Float("epsilon", 1e-3f));
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-5);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-4, 1e-5);
        OpAssert.Close(f.Gradients[1].Values, gamma.Grad!.ToArray(), 1e-4, 1e-5);
        OpAssert.Close(f.Gradients[2].Values, beta.Grad!.ToArray(), 1e-4, 1e-5);
        if (training)
        {
            OpAssert.Close(f.Tensor("moving_mean_after").ToArray(), movingMean.ToArray(), 1e-5, 1e-6);
            OpAssert.Close(f.Tensor("moving_variance_after").ToArray(), movingVariance.ToArray(), 1e-5, 1e-6);
        }
        else
        {
            OpAssert.Close(f.Tensor("moving_mean").ToArray(), movingMean.ToArray(), 0, 0);
            OpAssert.Close(f.Tensor("moving_variance").ToArray(), movingVariance.ToArray(), 0, 0);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gradient_checks(bool training)
    {
        var x = OpAssert.Random(1, -2f, 2f, 3, 4, 2, 3);
        var gamma = OpAssert.Random(2, 0.5f, 1.5f, 3);
        var beta = OpAssert.Random(3, -1f, 1f, 3);
        var mean = Tensor.Zeros(3);
        var variance = Tensor.Ones(3);
        // Momentum 1 keeps the moving statistics fixed while the checker evaluates the function many times.
        OpAssert.GradientChecks(t => Ops.BatchNormalization(t[0], mean, variance, t[1], t[2], training, momentum: 1f), x, gamma, beta);
    }

    [Fact]
    public void A_channel_axis_before_the_pixels_gives_the_same_result_as_channels_last()
    {
        var nhwc = OpAssert.Random(4, -1f, 3f, 2, 3, 4, 5);
        var nchw = nhwc.Permute(0, 3, 1, 2).Contiguous().Detach().WithRequiresGrad();
        var upstream = Tensor.RandomNormal([2, 3, 4, 5], generator: new RandomGenerator(5));
        var (m1, v1, m2, v2) = (Tensor.Zeros(5), Tensor.Ones(5), Tensor.Zeros(5), Tensor.Ones(5));
        var gamma = Tensor.FromArray([0.5f, 1f, 1.5f, 2f, 2.5f]);
        var y1 = Ops.BatchNormalization(nhwc, m1, v1, gamma, null, training: true);
        var y2 = Ops.BatchNormalization(nchw, m2, v2, gamma, null, training: true, axis: 1);
        OpAssert.Close(y1.ToArray(), y2.Permute(0, 2, 3, 1).Contiguous().ToArray(), 1e-5, 1e-5);
        OpAssert.Close(m1.ToArray(), m2.ToArray(), 1e-5, 1e-6);
        OpAssert.Close(v1.ToArray(), v2.ToArray(), 1e-5, 1e-6);
        y1.Backward(upstream);
        y2.Backward(upstream.Permute(0, 3, 1, 2).Contiguous());
        OpAssert.Close(nhwc.Grad!.ToArray(), nchw.Grad!.Permute(0, 2, 3, 1).Contiguous().ToArray(), 1e-4, 1e-5);
    }

    [Fact]
    public void Large_means_keep_an_accurate_variance()
    {
        // Values 1000 ± 0.01: a one-pass sum of squares in float would lose the variance entirely.
        var values = Enumerable.Range(0, 4096).Select(i => 1000f + (i % 2 == 0 ? 0.01f : -0.01f)).ToArray();
        var x = Tensor.FromArray(values, 4096, 1);
        var mean = Tensor.Zeros(1);
        var variance = Tensor.Zeros(1);
        Ops.BatchNormalization(x, mean, variance, null, null, training: true, momentum: 0f);
        Assert.Equal(1000f, mean.Item(), 3);
        Assert.Equal(1e-4, variance.Item(), 1e-6);
    }

    /// <summary>
    /// The per-channel work between the passes in chunks of channels on all threads (BatchNormChannels.Parallel) against on
    /// the calling thread: the same bits of y, the moving statistics, dx, dγ and dβ, at 1 to 3 threads. The DCGAN generator's
    /// 6,272 channels with its leaky ReLU, odd chunks, inference, several rows of pixels, and channels before the pixels.
    /// </summary>
    [Theory]
    [InlineData(new[] { 64, 6272 }, -1, true, true, true)]
    [InlineData(new[] { 5, 1030 }, -1, true, false, false)]
    [InlineData(new[] { 3, 4100 }, -1, false, false, true)]
    [InlineData(new[] { 6, 2, 2, 1500 }, -1, true, true, false)]
    [InlineData(new[] { 4, 2000, 3 }, 1, true, false, true)]
    public void Channels_shared_between_threads_give_the_bits_of_the_calling_thread(int[] shape, int axis, bool training, bool leaky, bool beta)
    {
        int channels = shape[axis < 0 ? shape.Length + axis : axis];
        float[][] Run(bool shared)
        {
            bool saved = BatchNormChannels.Parallel;
            BatchNormChannels.Parallel = shared;
            try
            {
                var x = OpAssert.Random(7, -2f, 3f, shape);
                var g = OpAssert.Random(8, 0.5f, 1.5f, channels);
                var b = beta ? OpAssert.Random(9, -1f, 1f, channels) : null;
                var (mean, variance) = (OpAssert.Random(10, -1f, 1f, channels).Detach(), OpAssert.Random(11, 0.5f, 2f, channels).Detach());
                var y = Ops.BatchNormalization(x, mean, variance, g, b, training, 0.9f, 1e-3f, axis, "test", leaky ? 0.2f : null);
                y.Backward(Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(12)));
                return [y.ToArray(), mean.ToArray(), variance.ToArray(), x.Grad!.ToArray(), g.Grad!.ToArray(), b is null ? [] : b.Grad!.ToArray()];
            }
            finally
            {
                BatchNormChannels.Parallel = saved;
            }
        }
        ThreadCounts.SameBitsAsOldPath($"batch normalization {string.Join('x', shape)}, channels shared out", "y, moving mean and variance, dx, dγ, dβ against the calling thread", Run);
    }

    [Fact]
    public void Bad_arguments_are_refused_naming_them()
    {
        var x = Tensor.Ones(2, 3);
        var e = Assert.Throws<ArgumentException>(() => Ops.BatchNormalization(x, Tensor.Zeros(4), Tensor.Ones(3), null, null, true));
        Assert.Contains("movingMean", e.Message);
        Assert.Contains("(3)", e.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.BatchNormalization(x, Tensor.Zeros(3), Tensor.Ones(3), null, null, true, momentum: 1.5f));
        Assert.Contains("momentum", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.BatchNormalization(x, Tensor.Zeros(3), Tensor.Ones(3), null, null, true, epsilon: 0f));
        Assert.Contains("epsilon", e3.Message);
    }
}

using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Training;

/// <summary>
/// The FLOP counts of the benchmarks, from the models' shapes, against the figures issue 19 states (MLP 0.61 M per
/// sample, CNN 15.4 M, LSTM 9.06 M, DCGAN 13.2 G per step at batch 64), each written out layer by layer here.
/// </summary>
public class TrainingFlopsTests
{
    [Fact]
    public void The_seed_mlp_counts_both_dense_layers_three_times()
    {
        long forward = 2L * 784 * 128 + 2L * 128 * 10;
        Assert.Equal(forward, TrainingFlops.ForwardPerSample(SeedModels.Mlp()));
        Assert.Equal(3 * forward, TrainingFlops.StepPerSample(SeedModels.Mlp()));
        Assert.Equal(0.61e6, TrainingFlops.StepPerSample(SeedModels.Mlp()), 0.005e6);
    }

    [Fact]
    public void The_seed_cnn_leaves_out_the_input_gradient_of_its_first_convolution()
    {
        long conv1 = 2L * 26 * 26 * 9 * 1 * 32, conv2 = 2L * 11 * 11 * 9 * 32 * 64, dense1 = 2L * 1600 * 128, dense2 = 2L * 128 * 10;
        long step = 3 * (conv1 + conv2 + dense1 + dense2) - conv1;
        Assert.Equal(step, TrainingFlops.StepPerSample(SeedModels.Cnn()));
        Assert.Equal(15.4e6, step, 0.05e6);
        // Batch normalization, activations and pooling are not counted: the normalized variant has the same products.
        Assert.Equal(step, TrainingFlops.StepPerSample(SeedModels.Cnn(10, batchNorm: true)));
    }

    [Fact]
    public void The_stacked_lstm_leaves_out_only_the_input_projection_of_its_first_layer()
    {
        long steps = 28, gates = 4 * 64;
        long first = 2 * steps * (28 * gates + 64 * gates), second = 2 * steps * (64 * gates + 64 * gates), head = 2L * 64 * 10;
        long step = 3 * (first + second + head) - 2 * steps * 28 * gates;
        Assert.Equal(step, TrainingFlops.StepPerSample(SeedModels.RowLstm()));
        Assert.Equal(9.06e6, step, 0.005e6);
    }

    [Fact]
    public void The_dcgan_step_runs_the_generator_once_and_the_discriminator_on_three_batches()
    {
        long dense = 2L * 100 * 7 * 7 * 128, deconv1 = 2L * 7 * 7 * 4 * 4 * 128 * 64, deconv2 = 2L * 14 * 14 * 4 * 4 * 64 * 1;
        long conv1 = 2L * 14 * 14 * 5 * 5 * 1 * 64, conv2 = 2L * 7 * 7 * 5 * 5 * 64 * 128, logit = 2L * 7 * 7 * 128;
        long g = dense + deconv1 + deconv2, d = conv1 + conv2 + logit;
        const int batch = 64;
        long generatorForward = batch * g;
        long discriminatorStep = 2L * batch * (3 * d - conv1);
        long generatorStep = batch * (2 * d + 2 * g - dense); // through D and back, then G's weight and input gradients
        long expected = generatorForward + discriminatorStep + generatorStep;

        var generator = GanModels.DcganGenerator();
        var discriminator = GanModels.DcganDiscriminator();
        Assert.Equal(g, TrainingFlops.ForwardPerSample(generator));
        Assert.Equal(d, TrainingFlops.ForwardPerSample(discriminator));
        Assert.Equal(expected, TrainingFlops.GanStep(generator, discriminator, batch));
        Assert.Equal(13.2e9, expected, 0.05e9);
    }

    [Fact]
    public void The_char_language_model_counts_its_first_lstm_whole_behind_the_trainable_embedding()
    {
        // The embedding is a gather (no product), and it trains: the gradient reaches it through the first LSTM's input.
        long steps = 100, gates = 4 * 256;
        long first = 2 * steps * (32 * gates + 256 * gates), second = 2 * steps * (256 * gates + 256 * gates), head = 2 * steps * 256 * 115;
        Assert.Equal(3 * (first + second + head), TrainingFlops.StepPerSample(CharLanguageModel.Build(115, 256, 100)));
    }

    [Fact]
    public void An_unbuilt_model_is_refused_with_its_name()
    {
        var model = new Sequential([new Dense(4)], name: "unbuilt");
        var error = Assert.Throws<ArgumentException>(() => TrainingFlops.StepPerSample(model));
        Assert.Contains("'unbuilt'", error.Message);
    }
}

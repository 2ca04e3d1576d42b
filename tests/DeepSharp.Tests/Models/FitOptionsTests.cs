namespace DeepSharp.Tests.Models;

/// <summary>Fit's options behave as Keras': validationData, validationSplit (the last fraction), initialEpoch, verbose 2, shuffle and seed.</summary>
public class FitOptionsTests
{
    /// <summary>A linear regression problem: y = x·[1, -2, 0.5] + 0.3 with noise, 40 samples.</summary>
    private static (Tensor X, Tensor Y) Data(int seed, int samples = 40)
    {
        var rng = new RandomGenerator(seed);
        var x = Tensor.RandomNormal([samples, 3], generator: rng);
        var xs = x.ToArray();
        var ys = new float[samples];
        for (int i = 0; i < samples; i++) ys[i] = xs[3 * i] - 2 * xs[3 * i + 1] + 0.5f * xs[3 * i + 2] + 0.3f + 0.1f * rng.NextNormal();
        return (x, Tensor.FromArray(ys, samples, 1));
    }

    private static Sequential Model(float learningRate = 0.05f)
    {
        var model = new Sequential(new Dense(1, kernelInitializer: new GlorotUniform(seed: 3), inputShape: [3]));
        model.Compile(new SGD(learningRate: learningRate), "mse");
        return model;
    }

    [Fact]
    public void Validation_data_is_evaluated_after_each_epoch_on_that_data()
    {
        var (x, y) = Data(1);
        var (vx, vy) = Data(2, samples: 12);
        var shifted = vy + 5f; // far from what the model learns: its loss differs clearly from the training loss
        var model = Model();
        var history = model.Fit(x, y, batchSize: 8, epochs: 3, verbose: 0, shuffle: false, validationData: (vx, shifted));
        Assert.Equal(3, history["val_loss"].Count);
        Assert.Equal(model.Evaluate(vx, shifted, verbose: 0).Loss, history["val_loss"][^1], 5);
        Assert.True(history["val_loss"][^1] > 10 * history["loss"][^1], $"val_loss {history["val_loss"][^1]}, loss {history["loss"][^1]}");
        Assert.DoesNotContain("val_loss", model.Fit(x, y, epochs: 1, verbose: 0).Keys);
    }

    [Fact]
    public void Validation_split_holds_out_the_last_fraction_before_shuffling()
    {
        // 40 samples; the last 10 (validationSplit 0.25) have targets 100 and the first 30 targets 0. With a
        // learning rate of 0 the model never changes, so "loss" is the error on the first 30 and "val_loss" on the last 10.
        var (x, _) = Data(3);
        var targets = new float[40];
        for (int i = 30; i < 40; i++) targets[i] = 100f;
        var y = Tensor.FromArray(targets, 40, 1);
        var model = Model(learningRate: 0f);
        var history = model.Fit(x, y, batchSize: 30, epochs: 2, verbose: 0, validationSplit: 0.25, shuffle: true, seed: 9);
        double head = model.Evaluate(x.Slice(0, 0, 30), y.Slice(0, 0, 30), verbose: 0).Loss;
        double tail = model.Evaluate(x.Slice(0, 30, 40), y.Slice(0, 30, 40), verbose: 0).Loss;
        Assert.True(tail > 1000 * head, $"tail {tail}, head {head}");
        Assert.Equal(tail, history["val_loss"][0], 4);
        Assert.Equal(tail, history["val_loss"][1], 4);
        Assert.Equal(head, history["loss"][0], 4);
        Assert.Equal(30, history.EpochSamples[0]);
    }

    [Fact]
    public void Initial_epoch_resumes_the_count_as_keras()
    {
        var (x, y) = Data(4);
        var model = Model();
        var history = model.Fit(x, y, batchSize: 8, epochs: 5, initialEpoch: 3, verbose: 0);
        Assert.Equal([3, 4], history.Epochs);
        Assert.Equal(2, history["loss"].Count);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, epochs: 2, initialEpoch: -1, verbose: 0));
        Assert.Contains("initialEpoch", e.Message);
    }

    [Fact]
    public void Verbose_two_prints_one_line_per_epoch_and_zero_prints_nothing()
    {
        var (x, y) = Data(5);
        string Run(int verbose)
        {
            var previous = Console.Out;
            var output = new StringWriter();
            Console.SetOut(output);
            try
            {
                Model().Fit(x, y, batchSize: 8, epochs: 3, verbose: verbose, validationSplit: 0.2);
            }
            finally
            {
                Console.SetOut(previous);
            }
            return output.ToString();
        }
        string text = Run(2);
        Assert.DoesNotContain("\r", text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Keras' verbose=2: the epoch header and one summary line with the final values, nothing per batch.
        Assert.Equal(6, lines.Length);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            Assert.Equal($"Epoch {epoch + 1}/3", lines[2 * epoch]);
            Assert.Contains("loss", lines[2 * epoch + 1]);
            Assert.Contains("val_loss", lines[2 * epoch + 1]);
        }
        Assert.Equal("", Run(0));
    }

    [Fact]
    public void Shuffling_is_seeded_and_changes_the_order()
    {
        var (x, y) = Data(6);
        float[] Train(bool shuffle, long? seed)
        {
            var model = Model();
            model.Fit(x, y, batchSize: 4, epochs: 2, verbose: 0, shuffle: shuffle, seed: seed);
            return model.GetWeights()[0];
        }
        Assert.Equal(Train(true, 1), Train(true, 1));
        Assert.NotEqual(Train(true, 1), Train(true, 2));
        Assert.NotEqual(Train(true, 1), Train(false, null));
        // Without shuffling the order is the data's own: the seed plays no part.
        Assert.Equal(Train(false, 1), Train(false, 2));
        Assert.Equal(Train(false, null), Train(false, 7));
    }
}

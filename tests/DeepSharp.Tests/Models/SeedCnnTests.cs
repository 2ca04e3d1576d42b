using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

/// <summary>The seed CNN end to end: it learns Fashion-MNIST, saves and loads, and trains without allocating.</summary>
public class SeedCnnTests
{
    // The definition the CLI, the examples' classifier and the bench train.
    private static Sequential SeedCnn() => DeepSharp.Examples.SeedModels.Cnn(10);

    [Fact]
    public void Summary_counts_the_parameters_as_keras()
    {
        var text = SeedCnn().Summary(TextWriter.Null);
        Assert.Contains("(None, 26, 26, 32)", text);
        Assert.Contains("(None, 13, 13, 32)", text);
        Assert.Contains("(None, 11, 11, 64)", text);
        Assert.Contains("(None, 5, 5, 64)", text);
        Assert.Contains("(None, 1600)", text);
        Assert.Contains("18,496", text);   // 3·3·32·64 + 64
        Assert.Contains("Total params: 225,034", text);
    }

    [Fact]
    public void A_few_hundred_steps_on_a_fashion_mnist_subset_reach_seventy_percent()
    {
        RandomGenerator.SetSeed(3);
        using var train = Datasets.FashionMnist.LoadTrain(SharedData.Directory);
        using var test = Datasets.FashionMnist.LoadTest(SharedData.Directory);
        var x = train.X.Slice(0, 0, 3200).Reshape(3200, 28, 28, 1);
        var y = train.Y.Slice(0, 0, 3200);
        var testX = test.X.Slice(0, 0, 1000).Reshape(1000, 28, 28, 1);
        var testY = test.Y.Slice(0, 0, 1000);
        var model = SeedCnn();
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy", ["accuracy"]);
        var history = model.Fit(x, y, batchSize: 32, epochs: 3, verbose: 0, seed: 1); // 300 steps
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {string.Join(", ", history["loss"])}");
        var (loss, accuracy) = model.Evaluate(testX, testY, verbose: 0);
        Assert.True(accuracy > 0.7, $"test accuracy {accuracy}, loss {loss}");
    }

    [Fact]
    public void A_saved_cnn_loads_with_the_same_predictions()
    {
        RandomGenerator.SetSeed(4);
        var model = new Sequential(
            new Conv2D(4, 3, padding: "same", activation: "relu", inputShape: [8, 8, 1]),
            new BatchNormalization(),
            new MaxPooling2D(2),
            new Conv2DTranspose(3, 3, strides: 2, padding: "same"),
            new ZeroPadding2D(1),
            new AveragePooling2D(2),
            new UpSampling2D(2, "bilinear"),
            new SpatialDropout2D(0.2),
            new GlobalAveragePooling2D(),
            new Dense(2, activation: "softmax"));
        model.Compile("adam", "sparse_categorical_crossentropy");
        var x = Tensor.RandomUniform([6, 8, 8, 1], 0f, 1f, new RandomGenerator(5));
        var y = Tensor.FromArray([0f, 1f, 0f, 1f, 1f, 0f]);
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0); // moves the batch-norm statistics away from their start
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-cnn-{Guid.NewGuid():N}.dsm");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
            var bn = (BatchNormalization)loaded.Layers[1];
            Assert.Equal(((BatchNormalization)model.Layers[1]).MovingVariance.ToArray(), bn.MovingVariance.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_steady_state_training_step_allocates_nothing()
    {
        var model = new Sequential(
            new Conv2D(8, 3, activation: "relu", inputShape: [12, 12, 1]),
            new BatchNormalization(),
            new MaxPooling2D(2),
            new Conv2D(8, 3, padding: "same", activation: "relu"),
            new SpatialDropout2D(0.1),
            new AveragePooling2D(2),
            new Flatten(),
            new Dense(10, activation: "softmax"));
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
        var x = Tensor.RandomUniform([16, 12, 12, 1], 0f, 1f, new RandomGenerator(6));
        var y = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (float)(i % 10)).ToArray());
        for (int i = 0; i < 5; i++) model.TrainOnBatch(x, y); // fill the pools
        Assert.Equal(0, SteadyStateAllocation.FewestBytes(() => model.TrainOnBatch(x, y), rounds: 20, stepsPerRound: 20));
    }
}

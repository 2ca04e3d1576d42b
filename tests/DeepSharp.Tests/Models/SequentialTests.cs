namespace DeepSharp.Tests.Models;

public class SequentialTests
{
    private static Sequential SeedMlp() => new(
        new Flatten(inputShape: [28, 28]),
        new Dense(128, activation: "relu"),
        new Dropout(0.2),
        new Dense(10, activation: "softmax"));

    [Fact]
    public void Summary_lists_output_shapes_and_parameter_counts_like_keras()
    {
        var model = SeedMlp();
        var text = model.Summary(TextWriter.Null);
        Assert.Contains("(None, 784)", text);
        Assert.Contains("(None, 128)", text);
        Assert.Contains("100,480", text);   // 784·128 + 128
        Assert.Contains("1,290", text);     // 128·10 + 10
        Assert.Contains("Total params: 101,770", text);
        Assert.Equal(101_770, model.CountParams());
    }

    [Fact]
    public void A_layer_that_cannot_take_the_previous_output_is_reported_when_added()
    {
        var model = new Sequential(new Input([4]), new Dense(3));
        var e = Assert.Throws<ArgumentException>(() => model.Add(new Reshape([2, 2])));
        Assert.Contains("reshape", e.Message);
        Assert.Contains("(None, 3)", e.Message);
        Assert.Single(model.Layers, l => l is Dense);
    }

    [Fact]
    public void Compile_fit_evaluate_predict_learns_a_separable_problem()
    {
        var rng = new RandomGenerator(5);
        RandomGenerator.SetSeed(5);
        var x = Tensor.RandomNormal([512, 2], generator: rng);
        var xs = x.ToArray();
        var labels = new float[512];
        for (int i = 0; i < 512; i++) labels[i] = xs[2 * i] + xs[2 * i + 1] > 0 ? 1f : 0f;
        var y = Tensor.FromArray(labels);
        var model = new Sequential(new Dense(16, activation: "relu", inputShape: [2]), new Dense(2, activation: "softmax"));
        model.Compile(optimizer: new SGD(learningRate: 0.1f, momentum: 0.9f), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var history = model.Fit(x, y, batchSize: 32, epochs: 15, verbose: 0, validationSplit: 0.25, seed: 1);
        Assert.Equal(15, history["loss"].Count);
        Assert.True(history["loss"][^1] < history["loss"][0]);
        Assert.True(history["val_accuracy"][^1] > 0.9, $"val_accuracy {history["val_accuracy"][^1]}");
        var (loss, accuracy) = model.Evaluate(x, y, verbose: 0);
        Assert.True(accuracy > 0.9 && loss < 0.4, $"loss {loss}, accuracy {accuracy}");
        var predictions = model.Predict(x);
        Assert.Equal(new TensorShape(512, 2), predictions.Shape);
    }

    [Fact]
    public void Fit_refuses_mismatched_lengths_and_bad_split()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]));
        model.Compile("sgd", "mse");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(10, 3), Tensor.Ones(9, 2), verbose: 0));
        Assert.Contains("10", e.Message);
        Assert.Contains("9", e.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(Tensor.Ones(10, 3), Tensor.Ones(10, 2), validationSplit: 1.0, verbose: 0));
        Assert.Contains("validationSplit", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(10, 4), Tensor.Ones(10, 2), verbose: 0));
        Assert.Contains("(None, 3)", e3.Message);
    }

    [Fact]
    public void Fit_without_compile_says_what_to_do()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]));
        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(Tensor.Ones(4, 3), Tensor.Ones(4, 2), verbose: 0));
        Assert.Contains("Compile", e.Message);
    }

    [Fact]
    public void Sparse_labels_out_of_range_fail_before_training()
    {
        var model = new Sequential(new Dense(3, activation: "softmax", inputShape: [2]));
        model.Compile("adam", "sparse_categorical_crossentropy");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(4, 2), Tensor.FromArray([0f, 1f, 2f, 3f]), verbose: 0));
        Assert.Contains("label 3", e.Message);
        Assert.Contains("3 classes", e.Message);
    }

    [Fact]
    public void A_nan_loss_stops_training_with_a_message_and_keeps_the_weights()
    {
        var model = new Sequential(new Dense(1, inputShape: [2]));
        model.Compile(new SGD(learningRate: 0.01f), "mse");
        var x = Tensor.FromArray([1f, 2f, float.NaN, 1f], 2, 2);
        var before = model.GetWeights();
        var history = model.Fit(x, Tensor.Ones(2, 1), batchSize: 1, epochs: 3, shuffle: false, verbose: 0);
        Assert.True(history.StoppedOnNaN);
        Assert.Contains("NaN", history.StopReason);
        Assert.Empty(history.Epochs);
        var after = model.GetWeights();
        Assert.All(after.SelectMany(w => w), v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(before[0], after[0]); // the first (finite) batch did train
    }
}

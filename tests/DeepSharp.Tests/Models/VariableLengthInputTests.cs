using System.IO.Compression;
using System.Text.Json.Nodes;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Models;

/// <summary>
/// Keras' None in input shapes, written as a Keras user writes it: <c>LSTM(16, input_shape=(None, 3))</c>,
/// <c>keras.Input(shape=(None, 28))</c>, Conv1D and global pooling on sequences of any length.
/// </summary>
public class VariableLengthInputTests
{
    /// <summary>Sequences of <paramref name="steps"/> steps of 3 features; the class is whether feature 0 sums above zero.</summary>
    private static (Tensor X, Tensor Y) SignOfSum(int samples, int steps, long seed)
    {
        var x = Tensor.RandomNormal([samples, steps, 3], generator: new RandomGenerator(seed));
        var values = x.ToArray();
        var labels = new float[samples];
        for (int n = 0; n < samples; n++)
        {
            float sum = 0;
            for (int t = 0; t < steps; t++) sum += values[(n * steps + t) * 3];
            labels[n] = sum > 0 ? 1 : 0;
        }
        return (x, Tensor.FromArray(labels, [samples]));
    }

    private static Sequential LstmClassifier() => new(
        new LSTM(16, inputShape: [null, 3]),
        new Dense(2, activation: "softmax"));

    private static float TrainedAccuracy(long seed)
    {
        RandomGenerator.SetSeed(seed);
        var model = LstmClassifier();
        model.Compile(optimizer: new Adam(learningRate: 0.01), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var (short10, y10) = SignOfSum(512, 10, seed + 1);
        var (long20, y20) = SignOfSum(512, 20, seed + 2);
        for (int round = 0; round < 4; round++)
        {
            model.Fit(short10, y10, batchSize: 32, epochs: 1, verbose: 0, seed: seed + 10 + round);
            model.Fit(long20, y20, batchSize: 32, epochs: 1, verbose: 0, seed: seed + 20 + round);
        }
        var (x15, y15) = SignOfSum(256, 15, seed + 3);
        var (_, accuracy) = model.Evaluate(x15, y15, verbose: 0);
        return (float)accuracy;
    }

    [Fact]
    public void An_lstm_declared_on_none_steps_trains_on_two_lengths_and_predicts_a_third()
    {
        float accuracy = TrainedAccuracy(seed: 7);
        Assert.True(accuracy > 0.9f, $"accuracy on 15-step sequences after training on 10 and 20 steps: {accuracy}");
    }

    [Fact]
    public void Predict_takes_any_number_of_steps_and_gives_what_a_model_built_for_that_length_gives()
    {
        RandomGenerator.SetSeed(3);
        var model = new Sequential(
            new Conv1D(8, 3, activation: "relu", inputShape: [null, 2]),
            new MaxPooling1D(2),
            new Conv1D(4, 3, padding: "same"),
            new GlobalAveragePooling1D(),
            new Dense(3, activation: "softmax"));
        foreach (int steps in new[] { 9, 16, 31 })
        {
            var x = Tensor.RandomUniform([5, steps, 2], -1f, 1f, new RandomGenerator(steps));
            var y = model.Predict(x);
            Assert.Equal(new TensorShape(5, 3), y.Shape);
            // The same weights in a model whose length is fixed, as before None existed.
            var fixedModel = new Sequential(
                new Conv1D(8, 3, activation: "relu", inputShape: [steps, 2]),
                new MaxPooling1D(2),
                new Conv1D(4, 3, padding: "same"),
                new GlobalAveragePooling1D(),
                new Dense(3, activation: "softmax"));
            fixedModel.SetWeights(model.GetWeights());
            Assert.Equal(fixedModel.Predict(x).ToArray(), y.ToArray());
        }
    }

    [Fact]
    public void A_functional_input_with_none_steps_builds_a_model_that_takes_any_length()
    {
        RandomGenerator.SetSeed(5);
        var inputs = new Input([null, 28]);
        var hidden = new LSTM(32, returnSequences: true).Call(inputs);
        var pooled = new GlobalMaxPooling1D().Call(new Dense(16, activation: "relu").Call(hidden));
        var outputs = new Dense(10, activation: "softmax").Call(pooled);
        var model = new Model(inputs, outputs);

        Assert.Equal<PartialShape>([null, 28], inputs.Shape);
        Assert.Equal<PartialShape>([null, 32], hidden.Shape);
        Assert.Equal<PartialShape>([10], outputs.Shape);
        foreach (int steps in new[] { 1, 7, 40 })
            Assert.Equal(new TensorShape(2, 10), model.Predict(Tensor.RandomUniform([2, steps, 28], -1f, 1f, new RandomGenerator(steps))).Shape);
    }

    [Fact]
    public void Summary_prints_none_where_a_dimension_is_unknown()
    {
        var model = new Sequential(
            new Conv1D(8, 3, inputShape: [null, 4], name: "conv"),
            new LSTM(6, returnSequences: true, name: "lstm"),
            new Dense(2, name: "dense"));
        string summary = model.Summary(TextWriter.Null);
        Assert.Matches(@"conv \(Conv1D\)\s+\(None, None, 8\)\s+104", summary);
        Assert.Matches(@"lstm \(LSTM\)\s+\(None, None, 6\)\s+360", summary);
        Assert.Matches(@"dense \(Dense\)\s+\(None, None, 2\)\s+14", summary);

        var inputs = new Input([null, 4], name: "tokens");
        var functional = new Model(inputs, new GlobalAveragePooling1D(name: "pool").Call(inputs));
        string functionalSummary = functional.Summary(TextWriter.Null);
        Assert.Matches(@"tokens \(InputLayer\)\s+\(None, None, 4\)", functionalSummary);
        Assert.Matches(@"pool \(GlobalAveragePooling1D\)\s+\(None, 4\)", functionalSummary);
    }

    [Fact]
    public void Save_and_load_keep_the_unknown_dimension()
    {
        RandomGenerator.SetSeed(11);
        var model = LstmClassifier();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        using var dir = new TempDirectory();
        string path = dir.File("lstm.dsm");
        model.Save(path);
        var loaded = Model.Load(path);

        Assert.Equal<PartialShape?>([null, 3], loaded.InputShape);
        foreach (int steps in new[] { 4, 13 })
        {
            var x = Tensor.RandomNormal([3, steps, 3], generator: new RandomGenerator(steps));
            Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        }
    }

    [Fact]
    public void A_keras_file_writes_none_in_batch_shape_and_reads_it_back()
    {
        RandomGenerator.SetSeed(12);
        var inputs = new Input([null, 3]);
        var model = new Model(inputs, new Dense(2).Call(new GRU(4).Call(inputs)));
        using var dir = new TempDirectory();
        string path = dir.File("gru.keras");
        model.SaveKeras(path);

        using (var archive = ZipFile.OpenRead(path))
        using (var reader = new StreamReader(archive.GetEntry("config.json")!.Open()))
        {
            var config = JsonNode.Parse(reader.ReadToEnd())!;
            var input = config["config"]!["layers"]!.AsArray().First(l => (string?)l!["class_name"] == "InputLayer")!;
            Assert.Equal("[null,null,3]", input["config"]!["batch_shape"]!.ToJsonString());
        }
        var loaded = Model.LoadKeras(path);
        Assert.Equal<PartialShape>([null, 3], loaded.Inputs[0].Shape);
        var x = Tensor.RandomNormal([2, 6, 3], generator: new RandomGenerator(1));
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }

    [Fact]
    public void Dense_after_flatten_of_an_unknown_length_is_refused_naming_the_layer_and_the_axis()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sequential(
            new LSTM(8, returnSequences: true, inputShape: [null, 3]),
            new Flatten(name: "flat"),
            new Dense(10, name: "classifier")));
        Assert.Contains("'classifier' (Dense)", e.Message);
        Assert.Contains("axis 1", e.Message);
        Assert.Contains("(None, None)", e.Message);
    }

    [Fact]
    public void Layers_that_need_a_size_refuse_an_unknown_one_naming_the_axis()
    {
        var dense = Assert.Throws<ArgumentException>(() => new Sequential(new Dense(4, inputShape: [3, null], name: "features")));
        Assert.Contains("'features' (Dense)", dense.Message);
        Assert.Contains("axis 2", dense.Message);

        var reshape = Assert.Throws<ArgumentException>(() => new Sequential(new Reshape([7, 4], inputShape: [null, 28], name: "grid")));
        Assert.Contains("'grid' (Reshape)", reshape.Message);
        Assert.Contains("axis 1", reshape.Message);

        var inputs = new Input([null, 3]);
        var functional = Assert.Throws<ArgumentException>(() => new BatchNormalization(axis: 1, name: "bn").Call(inputs));
        Assert.Contains("'bn' (BatchNormalization)", functional.Message);
        Assert.Contains("axis 1", functional.Message);
    }

    [Fact]
    public void A_batch_whose_known_dimension_differs_is_refused_with_the_declared_shape()
    {
        var model = LstmClassifier();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var e = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Zeros(new TensorShape(2, 5, 4))));
        Assert.Contains("(None, None, 3)", e.Message);
        var fit = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(new TensorShape(2, 5, 4)), Tensor.Zeros(new TensorShape(2)), verbose: 0));
        Assert.Contains("(None, None, 3)", fit.Message);
    }

    [Fact]
    public void A_sequence_shorter_than_a_convolution_window_is_refused_at_the_call()
    {
        var model = new Sequential(new Conv1D(2, 5, inputShape: [null, 1], name: "wide"), new GlobalMaxPooling1D());
        var e = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Zeros(new TensorShape(1, 3, 1))));
        Assert.Contains("wide", e.Message);
    }
}

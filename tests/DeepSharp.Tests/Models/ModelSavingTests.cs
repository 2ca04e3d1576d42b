namespace DeepSharp.Tests.Models;

public class ModelSavingTests
{
    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}-{name}");

    private static Sequential Trained()
    {
        RandomGenerator.SetSeed(3);
        var model = new Sequential(
            new Flatten(inputShape: [4, 4]),
            new Dense(8, activation: "relu", kernelRegularizer: new L2(0.001f)),
            new Dropout(0.1),
            new Dense(3, activation: "softmax"));
        model.Compile(new Adam(learningRate: 0.01f), "sparse_categorical_crossentropy", ["accuracy"]);
        var x = Tensor.RandomUniform([32, 4, 4], generator: new RandomGenerator(1));
        var y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (float)(i % 3)).ToArray());
        model.Fit(x, y, epochs: 2, verbose: 0);
        return model;
    }

    [Fact]
    public void A_saved_model_loads_with_the_same_architecture_weights_and_predictions()
    {
        var model = Trained();
        var path = TempPath("model.dsm");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(model.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
            Assert.Equal(model.Layers.Select(l => l.ClassName), loaded.Layers.Select(l => l.ClassName));
            var x = Tensor.RandomUniform([5, 4, 4], generator: new RandomGenerator(7));
            Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
            Assert.True(loaded.IsCompiled);
            Assert.Equal("sparse_categorical_crossentropy", loaded.Loss!.Name);
            Assert.Equal(["accuracy"], loaded.Metrics.Select(m => m.Name));
            Assert.Equal(0.001f, ((L2)((Dense)loaded.Layers[1]).KernelRegularizer!).Factor);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_optimizer_loads_with_its_settings_and_schedule()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]));
        var optimizer = new Adam(new ExponentialDecay(0.01, 100, 0.5, staircase: true), beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f,
            amsgrad: true, clipNorm: 1f);
        model.Compile(optimizer, "mse");
        var path = TempPath("optimizer.dsm");
        try
        {
            model.Save(path);
            var loaded = (Adam)Model.Load(path).Optimizer!;
            Assert.Equal(optimizer.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
            var schedule = Assert.IsType<ExponentialDecay>(loaded.LearningRate);
            Assert.Equal(0.005f, schedule.At(100), 6);
            Assert.True(loaded.Amsgrad);
            Assert.Equal(1f, loaded.ClipNorm);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    [InlineData("nadam")]
    [InlineData("adamax")]
    [InlineData("adadelta")]
    public void Every_optimizer_config_round_trips(string name)
    {
        var optimizer = global::DeepSharp.Optimizers.Get(name);
        var again = global::DeepSharp.Optimizers.FromConfig(optimizer.GetConfig());
        Assert.Equal(optimizer.GetType(), again.GetType());
        Assert.Equal(optimizer.GetConfig().ToJsonString(), again.GetConfig().ToJsonString());
    }

    [Fact]
    public void Weights_save_and_load_into_a_rebuilt_model()
    {
        var model = Trained();
        var path = TempPath("weights.safetensors");
        try
        {
            model.SaveWeights(path);
            var twin = new Sequential(new Flatten(inputShape: [4, 4]), new Dense(8, activation: "relu"), new Dropout(0.1), new Dense(3, activation: "softmax"));
            twin.LoadWeights(path); // other layer names: loaded in order
            var x = Tensor.RandomUniform([5, 4, 4], generator: new RandomGenerator(8));
            Assert.Equal(model.Predict(x).ToArray(), twin.Predict(x).ToArray());
            var wrong = new Sequential(new Flatten(inputShape: [4, 4]), new Dense(9), new Dense(3));
            var e = Assert.Throws<InvalidDataException>(() => wrong.LoadWeights(path));
            Assert.Contains("shape", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_truncated_file_is_refused_and_a_failed_save_leaves_the_old_file_intact()
    {
        var model = Trained();
        var path = TempPath("model.dsm");
        try
        {
            model.Save(path);
            var original = File.ReadAllBytes(path);
            File.WriteAllBytes(path + ".cut", original[..(original.Length / 2)]);
            var e = Assert.Throws<InvalidDataException>(() => Model.Load(path + ".cut"));
            Assert.Contains("truncated", e.Message, StringComparison.OrdinalIgnoreCase);

            var unbuilt = new Sequential(new Dense(2));
            Assert.Throws<InvalidOperationException>(() => unbuilt.Save(path));
            Assert.Equal(original, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".cut");
        }
    }

    [Fact]
    public void A_foreign_safetensors_file_is_refused_with_advice()
    {
        var path = TempPath("foreign.safetensors");
        try
        {
            SafeTensors.Save(path, [("w", Tensor.Ones(2))]);
            var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
            Assert.Contains("not a DeepSharp model", e.Message);
            Assert.Contains("LoadWeights", e.Message);
            File.WriteAllText(path, "hello, not a model");
            Assert.Throws<InvalidDataException>(() => Model.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Checkpoint_saves_only_improvements_when_asked()
    {
        var dir = TempPath("ckpt");
        Directory.CreateDirectory(dir);
        try
        {
            var model = new Sequential(new Dense(1, inputShape: [2]));
            model.Compile(new SGD(learningRate: 0.01f), "mse");
            var scores = new Queue<double>([3.0, 2.0, 2.5, 1.0]);
            var fake = new LambdaCallback(onEpochEnd: (_, logs) => ((Dictionary<string, double>)logs)["score"] = scores.Dequeue());
            var checkpoint = new ModelCheckpoint(Path.Combine(dir, "m-{epoch:02d}.dsm"), monitor: "score", saveBestOnly: true);
            model.Fit(Tensor.Ones(8, 2), Tensor.Ones(8, 1), epochs: 4, verbose: 0, callbacks: [fake, checkpoint]);
            Assert.Equal(["m-01.dsm", "m-02.dsm", "m-04.dsm"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

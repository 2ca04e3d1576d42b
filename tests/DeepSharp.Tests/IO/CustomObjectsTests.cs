using System.Text.Json.Nodes;

namespace DeepSharp.Tests.IO;

/// <summary>
/// Custom losses, metrics, activations, initializers and regularizers by name, as Keras' custom_objects: Compile
/// and layer arguments take the registered names, and Model.Load finds them (or skips compiling with compile: false).
/// </summary>
public class CustomObjectsTests
{
    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}-{name}");

    /// <summary>A weighted squared error with an argument, saved in its config.</summary>
    private sealed class ScaledSquaredError(float scale) : Loss
    {
        public float Scale { get; } = scale;

        public override string Name => "scaled_squared_error";

        protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => DeepSharp.Ops.Mean(DeepSharp.Ops.Square(predictions - targets)) * Scale;

        public override JsonObject GetConfig() => new() { ["name"] = Name, ["scale"] = Scale };
    }

    /// <summary>The largest absolute error seen, as a metric.</summary>
    private sealed class MaxError() : Metric("max_error")
    {
        private double _max;

        public override void UpdateState(Tensor targets, Tensor predictions) =>
            _max = Math.Max(_max, DeepSharp.Ops.Max(DeepSharp.Ops.Abs(predictions - targets)).Item());

        public override double Result() => _max;

        public override void ResetState() => _max = 0;
    }

    private sealed class HalfInitializer : Initializer
    {
        public override string Name => "half";

        public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random) => values.Fill(0.5f);
    }

    private sealed class SumOfCubes(float factor) : Regularizer
    {
        public override string Name => "sum_of_cubes";

        public override Tensor Compute(Tensor x) => DeepSharp.Ops.Sum(DeepSharp.Ops.Abs(x * x * x)) * factor;

        public override JsonObject GetConfig() => new() { ["factor"] = factor };
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var x = Tensor.RandomNormal([16, 3], generator: new RandomGenerator(2));
        return (x, DeepSharp.Ops.Sum(x, axis: 1, keepDims: true));
    }

    [Fact]
    public void A_model_with_custom_objects_saves_and_loads_with_them_registered()
    {
        // keras.saving.register_keras_serializable() on each class, then:
        // model = Sequential([Dense(4, activation="cube_root_ish", kernel_initializer=HalfInitializer(),
        //                           kernel_regularizer=SumOfCubes(0.001), input_shape=(3,)), Dense(1)])
        // model.compile("sgd", loss=ScaledSquaredError(2.0), metrics=[MaxError()]); model.save(path)
        // keras.models.load_model(path)
        CustomObjects.Register<Loss>("scaled_squared_error", config => new ScaledSquaredError(config["scale"]!.GetValue<float>()));
        CustomObjects.Register<Metric>("max_error", () => new MaxError());
        CustomObjects.Register<ActivationFunction>("soft_cube", () => new ActivationFunction("soft_cube", x => DeepSharp.Ops.Tanh(x * x * x)));
        CustomObjects.Register<Initializer>(nameof(HalfInitializer), () => new HalfInitializer());
        CustomObjects.Register<Regularizer>(nameof(SumOfCubes), config => new SumOfCubes(config["factor"]!.GetValue<float>()));
        var path = TempPath("custom.dsm");
        try
        {
            var model = new Sequential(
                new Dense(4, activation: "soft_cube", kernelInitializer: new HalfInitializer(), kernelRegularizer: new SumOfCubes(0.001f), inputShape: [3]),
                new Dense(1, kernelInitializer: new GlorotUniform(seed: 1)));
            model.Compile(new SGD(learningRate: 0.01f), new ScaledSquaredError(2f), metrics: [new MaxError()]);
            var (x, y) = Data();
            model.Fit(x, y, batchSize: 8, epochs: 2, verbose: 0);
            model.Save(path);

            var loaded = Model.Load(path);
            Assert.Equal(2f, Assert.IsType<ScaledSquaredError>(loaded.Loss).Scale);
            Assert.IsType<MaxError>(Assert.Single(loaded.Metrics));
            Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
            var before = model.Evaluate(x, y, verbose: 0);
            var after = loaded.Evaluate(x, y, verbose: 0);
            Assert.Equal(before.Loss, after.Loss, 6);            // the regularizer's penalty came back too
            Assert.Equal(before["max_error"], after["max_error"], 6);
        }
        finally
        {
            CustomObjects.Unregister<Loss>("scaled_squared_error");
            CustomObjects.Unregister<Metric>("max_error");
            CustomObjects.Unregister<ActivationFunction>("soft_cube");
            CustomObjects.Unregister<Initializer>(nameof(HalfInitializer));
            CustomObjects.Unregister<Regularizer>(nameof(SumOfCubes));
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_without_compile_needs_no_custom_loss()
    {
        // model.compile(loss=ScaledSquaredError(3.0)); model.save(path)
        // keras.models.load_model(path)                 -> error: unknown loss
        // keras.models.load_model(path, compile=False)  -> the model, uncompiled, predicting as before
        var path = TempPath("uncompiled.dsm");
        try
        {
            var model = new Sequential(new Dense(1, kernelInitializer: new GlorotUniform(seed: 4), inputShape: [3]));
            model.Compile(new SGD(), new ScaledSquaredError(3f));
            model.Save(path);
            var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
            Assert.Contains("scaled_squared_error", e.Message);
            Assert.Contains("compile: false", e.Message);

            var loaded = Model.Load(path, compile: false);
            Assert.False(loaded.IsCompiled);
            var (x, y) = Data();
            Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
            loaded.Compile(new SGD(), "mse");
            Assert.True(double.IsFinite(loaded.Evaluate(x, y, verbose: 0).Loss));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Registered_names_work_where_built_in_names_do()
    {
        // keras.utils.get_custom_objects()["twice"] = lambda x: 2 * x ; Dense(2, activation="twice")
        CustomObjects.Register<ActivationFunction>("twice", () => new ActivationFunction("twice", x => x * 2f));
        try
        {
            Assert.True(CustomObjects.IsRegistered<ActivationFunction>("twice"));
            Assert.False(CustomObjects.IsRegistered<Loss>("twice"));   // registrations are per kind
            var layer = new Dense(2, activation: "twice", kernelInitializer: "ones", useBias: false);
            Assert.Equal([6f, 6f], layer.Call(Tensor.FromArray([1f, 2f], 1, 2)).ToArray());
            var e = Assert.Throws<ArgumentException>(() => DeepSharp.Losses.Get("twice"));
            Assert.Contains("CustomObjects.Register", e.Message);
        }
        finally
        {
            Assert.True(CustomObjects.Unregister<ActivationFunction>("twice"));
        }
        Assert.Throws<ArgumentException>(() => Activations.Get("twice"));
    }
}

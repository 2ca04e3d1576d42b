using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Regularizers;

/// <summary>
/// A Dense layer with kernel and bias regularizers trained by SGD for five steps reproduces PyTorch's run of the
/// same Keras-semantics problem (tools/make_regularizer_fixtures.py): the reported loss includes the penalties,
/// L2 is l2·Σw² without a ½, L1 is l1·Σ|w|. The references are float64 on float32-rounded inputs; DeepSharp
/// computes in float32 over values near 1, so 2e-5 absolute + 1e-4 relative is a few hundred float32 ulps,
/// while dropping the ½ of L2 or a penalty's gradient moves the weights by 1e-2 or more.
/// </summary>
public class RegularizerFixtureTests
{
    private const double Absolute = 2e-5, Relative = 1e-4;

    public static TheoryData<string> Cases =>
        ["kernel_l1_bias_l2", "kernel_l2_bias_l1", "kernel_l1l2_bias_l1l2", "kernel_l2_tanh", "bias_l1_only"];

    private static JsonObject Case(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "regularizers", "dense_sgd.json");
        foreach (var c in JsonNode.Parse(File.ReadAllText(path))!["cases"]!.AsArray())
            if ((string?)c!["name"] == name) return c.AsObject();
        throw new ArgumentException($"No case '{name}' in dense_sgd.json.");
    }

    private static float[] Floats(JsonNode? node)
    {
        var array = node!.AsArray();
        var values = new float[array.Count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)array[i]!;
        return values;
    }

    private static Tensor TensorOf(JsonNode? node) =>
        Tensor.FromArray(Floats(node!["values"]), node!["shape"]!.AsArray().Select(d => (int)d!).ToArray());

    private static Sequential Model(JsonObject c)
    {
        Regularizer? Of(string key) => c[key] is JsonObject spec ? Regularizer.FromConfig(spec, key) : null;
        var kernel = TensorOf(c["kernel"]);
        var dense = new Dense(kernel.Shape[1], activation: (string)c["activation"]!, kernelRegularizer: Of("kernel_regularizer"),
            biasRegularizer: Of("bias_regularizer"), inputShape: [kernel.Shape[0]]);
        var model = new Sequential(dense);
        model.Compile(new SGD(learningRate: (float)c["learning_rate"]!), "mse");
        model.SetWeights([kernel.ToArray(), Floats(c["bias"]!["values"])]);
        return model;
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        double allowed = Absolute + Relative * Math.Abs(expected);
        Assert.True(Math.Abs(expected - actual) <= allowed, $"{what}: expected {expected:G9}, got {actual:G9} (allowed {allowed:G2})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Train_on_batch_reproduces_the_losses_and_weights_of_every_step(string name)
    {
        var c = Case(name);
        var model = Model(c);
        var x = TensorOf(c["x"]);
        var y = TensorOf(c["y"]);
        var steps = c["steps"]!.AsArray();
        for (int s = 0; s < steps.Count; s++)
        {
            var step = steps[s]!;
            AssertClose((double)step["loss"]!, model.TrainOnBatch(x, y)["loss"], $"{name} step {s + 1} loss");
            var weights = model.GetWeights();
            var kernel = Floats(step["kernel"]);
            var bias = Floats(step["bias"]);
            for (int i = 0; i < kernel.Length; i++) AssertClose(kernel[i], weights[0][i], $"{name} step {s + 1} kernel[{i}]");
            for (int i = 0; i < bias.Length; i++) AssertClose(bias[i], weights[1][i], $"{name} step {s + 1} bias[{i}]");
        }
    }

    [Fact]
    public void Fit_on_full_batches_reports_the_same_losses_per_epoch()
    {
        var c = Case("kernel_l1l2_bias_l1l2");
        var model = Model(c);
        var x = TensorOf(c["x"]);
        var steps = c["steps"]!.AsArray();
        var history = model.Fit(x, TensorOf(c["y"]), batchSize: x.Shape[0], epochs: steps.Count, verbose: 0, shuffle: false);
        var losses = history["loss"];
        Assert.Equal(steps.Count, losses.Count);
        for (int s = 0; s < steps.Count; s++) AssertClose((double)steps[s]!["loss"]!, losses[s], $"epoch {s + 1} loss");
        var last = steps[^1]!;
        var weights = model.GetWeights();
        var kernel = Floats(last["kernel"]);
        for (int i = 0; i < kernel.Length; i++) AssertClose(kernel[i], weights[0][i], $"final kernel[{i}]");
    }

    [Fact]
    public void The_fixture_penalties_are_the_keras_formulas_of_the_initial_weights()
    {
        // Guards the fixture itself: step 1's penalty is l1·Σ|w| + l2·Σw² of the starting weights.
        var c = Case("kernel_l1l2_bias_l1l2");
        var kernel = Floats(c["kernel"]!["values"]);
        var bias = Floats(c["bias"]!["values"]);
        double expected = 0.02f * kernel.Sum(v => Math.Abs((double)v)) + 0.05f * kernel.Sum(v => (double)v * v)
            + 0.03f * bias.Sum(v => Math.Abs((double)v)) + 0.2f * bias.Sum(v => (double)v * v);
        AssertClose(expected, (double)c["steps"]![0]!["penalty"]!, "step 1 penalty");
        var penalty = new L1L2(0.02f, 0.05f).Compute(Tensor.FromArray(kernel)).Item() + new L1L2(0.03f, 0.2f).Compute(Tensor.FromArray(bias)).Item();
        AssertClose(expected, penalty, "DeepSharp's penalty");
    }
}

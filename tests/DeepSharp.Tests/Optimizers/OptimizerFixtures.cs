using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// Reads the fixtures written by tools/make_optimizer_fixtures.py and builds the optimizers and schedules
/// they describe (Keras' class names and config keys).
/// </summary>
internal static class OptimizerFixtures
{
    internal static readonly string[] OptimizerFiles =
        ["sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam", "adamax", "adadelta", "clipping"];

    internal static JsonArray Cases(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "optimizers", file + ".json");
        return JsonNode.Parse(File.ReadAllText(path))!["cases"]!.AsArray();
    }

    internal static JsonObject Case(string file, string name)
    {
        foreach (var c in Cases(file))
            if ((string?)c!["name"] == name) return c.AsObject();
        throw new ArgumentException($"No case '{name}' in {file}.json.");
    }

    internal static float[] Floats(JsonNode? node)
    {
        var array = node!.AsArray();
        var values = new float[array.Count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)array[i]!;
        return values;
    }

    internal static double[] Doubles(JsonNode? node)
    {
        var array = node!.AsArray();
        var values = new double[array.Count];
        for (int i = 0; i < values.Length; i++) values[i] = (double)array[i]!;
        return values;
    }

    private static float? OptionalFloat(JsonObject config, string key) =>
        config[key] is { } value ? (float)value : null;

    private static float FloatOr(JsonObject config, string key, float fallback) =>
        config[key] is { } value ? (float)value : fallback;

    private static bool BoolOr(JsonObject config, string key, bool fallback) =>
        config[key] is { } value ? (bool)value : fallback;

    internal static Optimizer Optimizer(JsonNode spec)
    {
        var className = (string)spec["class_name"]!;
        var c = spec["config"]!.AsObject();
        var lr = LearningRate(c["learning_rate"]!);
        float? clipNorm = OptionalFloat(c, "clipnorm"), clipValue = OptionalFloat(c, "clipvalue"),
            globalClipNorm = OptionalFloat(c, "global_clipnorm"), weightDecay = OptionalFloat(c, "weight_decay");
        return className switch
        {
            "SGD" => new SGD(lr, FloatOr(c, "momentum", 0f), BoolOr(c, "nesterov", false), clipNorm, clipValue, globalClipNorm, weightDecay),
            "Adam" => new Adam(lr, FloatOr(c, "beta_1", 0.9f), FloatOr(c, "beta_2", 0.999f), FloatOr(c, "epsilon", 1e-7f),
                BoolOr(c, "amsgrad", false), clipNorm, clipValue, globalClipNorm, weightDecay),
            "AdamW" => new AdamW(lr, weightDecay!.Value, FloatOr(c, "beta_1", 0.9f), FloatOr(c, "beta_2", 0.999f),
                FloatOr(c, "epsilon", 1e-7f), BoolOr(c, "amsgrad", false), clipNorm, clipValue, globalClipNorm),
            "RMSprop" => new RMSprop(lr, FloatOr(c, "rho", 0.9f), FloatOr(c, "momentum", 0f), FloatOr(c, "epsilon", 1e-7f),
                BoolOr(c, "centered", false), clipNorm, clipValue, globalClipNorm, weightDecay),
            "Adagrad" => new Adagrad(lr, FloatOr(c, "initial_accumulator_value", 0.1f), FloatOr(c, "epsilon", 1e-7f),
                clipNorm, clipValue, globalClipNorm, weightDecay),
            "Nadam" => new Nadam(lr, FloatOr(c, "beta_1", 0.9f), FloatOr(c, "beta_2", 0.999f), FloatOr(c, "epsilon", 1e-7f),
                clipNorm, clipValue, globalClipNorm, weightDecay),
            "Adamax" => new Adamax(lr, FloatOr(c, "beta_1", 0.9f), FloatOr(c, "beta_2", 0.999f), FloatOr(c, "epsilon", 1e-7f),
                clipNorm, clipValue, globalClipNorm, weightDecay),
            "Adadelta" => new Adadelta(lr, FloatOr(c, "rho", 0.95f), FloatOr(c, "epsilon", 1e-7f),
                clipNorm, clipValue, globalClipNorm, weightDecay),
            _ => throw new ArgumentException($"Unknown optimizer class {className} in a fixture."),
        };
    }

    internal static LearningRateSchedule LearningRate(JsonNode node) =>
        node is JsonObject ? Schedule(node) : (LearningRateSchedule)(float)node;

    internal static LearningRateSchedule Schedule(JsonNode spec)
    {
        var c = spec["config"]!.AsObject();
        double D(string key) => (double)c[key]!;
        long L(string key) => (long)c[key]!;
        return (string)spec["class_name"]! switch
        {
            "ExponentialDecay" => new ExponentialDecay(D("initial_learning_rate"), L("decay_steps"), D("decay_rate"), (bool)c["staircase"]!),
            "InverseTimeDecay" => new InverseTimeDecay(D("initial_learning_rate"), L("decay_steps"), D("decay_rate"), (bool)c["staircase"]!),
            "PolynomialDecay" => new PolynomialDecay(D("initial_learning_rate"), L("decay_steps"), D("end_learning_rate"), D("power"), (bool)c["cycle"]!),
            "CosineDecay" => new CosineDecay(D("initial_learning_rate"), L("decay_steps"), D("alpha"),
                c["warmup_target"] is { } target ? (double)target : null, L("warmup_steps")),
            "PiecewiseConstantDecay" => new PiecewiseConstantDecay(
                c["boundaries"]!.AsArray().Select(b => (long)b!).ToArray(), Doubles(c["values"])),
            var other => throw new ArgumentException($"Unknown schedule {other} in a fixture."),
        };
    }
}

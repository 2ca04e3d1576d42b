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

    // Fixtures hold Keras' serialized form; the library reads it (the same reader Model.Load uses).
    internal static Optimizer Optimizer(JsonNode spec) => global::DeepSharp.Optimizers.FromConfig(spec.AsObject());

    internal static LearningRateSchedule LearningRate(JsonNode node) => LearningRateSchedule.FromConfig(node);

    internal static LearningRateSchedule Schedule(JsonNode spec) => LearningRateSchedule.FromConfig(spec);
}

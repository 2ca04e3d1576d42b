using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

public partial class Model
{
    private const string ModelFormat = "deepsharp.model";
    private const string WeightsFormat = "deepsharp.weights";

    /// <summary>
    /// Adds the models to the layer registry when the library loads: the registry lives with the layers, below
    /// the models, so it cannot name them itself, and a saved model may nest models anywhere a layer goes.
    /// </summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification =
        "Three dictionary entries, no I/O: loading a model must find its model classes whichever type was touched first.")]
    internal static void RegisterModels()
    {
        LayerRegistry.Register(nameof(Sequential), Sequential.FromConfig);
        LayerRegistry.Register("Functional", FromConfig);
        LayerRegistry.Register(nameof(Model), FromConfig);
    }

    /// <summary>
    /// Saves the architecture (Keras-style JSON), the weights and the compile settings into one safetensors
    /// file: other tools read the weights directly, and the JSON sits in the file's metadata. The write is
    /// atomic: a failure leaves any existing file as it was.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!IsBuilt || InputShape is not { } inputShape)
            throw new InvalidOperationException($"Save: model '{Name}' is not built yet; call it on data (Fit, Predict) or give its first layer an input shape.");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = ModelFormat,
            ["format_version"] = "1",
            ["deepsharp_version"] = typeof(Model).Assembly.GetName().Version?.ToString(3) ?? "0",
            ["model"] = new JsonObject { ["class_name"] = ClassName, ["config"] = GetConfig() }.ToJsonString(),
            ["build_input_shape"] = ShapeJson.Write(inputShape).ToJsonString(),
        };
        if (IsCompiled)
        {
            metadata["compile"] = new JsonObject
            {
                ["optimizer"] = Optimizer!.GetConfig(),
                ["loss"] = Loss!.GetConfig(),
                ["metrics"] = new JsonArray(Metrics.Take(Metrics.Count - WeightedMetricCount).Select(m => (JsonNode?)m.Name).ToArray()),
                ["weighted_metrics"] = new JsonArray(Metrics.Skip(Metrics.Count - WeightedMetricCount).Select(m => (JsonNode?)m.Name).ToArray()),
            }.ToJsonString();
        }
        SafeTensors.Save(path, NamedWeights(), metadata);
    }

    /// <summary>
    /// Loads a model saved with <see cref="Save"/>: recreates its layers, builds them, sets the weights and,
    /// if it was compiled and <paramref name="compile"/> is true, compiles it again (with a fresh optimizer state),
    /// as Keras' <c>load_model(path, compile=...)</c>. Custom losses, metrics, activations, initializers and
    /// regularizers are found by name in <see cref="CustomObjects"/>, custom layers in <see cref="LayerRegistry"/>;
    /// with <c>compile: false</c> a model whose loss is not registered still loads, ready for Predict or a new Compile.
    /// </summary>
    public static Model Load(string path, bool compile = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var file = SafeTensors.Load(path);
        if (!file.Metadata.TryGetValue("format", out var format) || format != ModelFormat)
            throw new InvalidDataException(
                $"Load: '{path}' is a safetensors file but not a DeepSharp model (its metadata has no format '{ModelFormat}'" +
                (format is null ? "" : $"; it says '{format}'") + "). To load bare weights, build the model and call LoadWeights.");
        var node = ParseMetadata(file.Metadata, "model", path) as JsonObject
            ?? throw new InvalidDataException($"Load: '{path}' has no model configuration.");
        Model model;
        try
        {
            model = LayerRegistry.Create(node) as Model
                ?? throw new InvalidDataException($"Load: '{path}' holds a layer, not a model.");
            model.EnsureBuilt(ShapeJson.Read(ParseMetadata(file.Metadata, "build_input_shape", path)));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"Load: the model configuration in '{path}' cannot be rebuilt: {e.Message}", e);
        }
        model.AssignWeights(file, path, byNameOnly: true);
        if (compile && file.Metadata.ContainsKey("compile")) model.CompileFromConfig((JsonObject)ParseMetadata(file.Metadata, "compile", path)!, path);
        return model;
    }

    /// <summary>Saves only the weights (safetensors, named "layer/kernel"), atomically.</summary>
    public void SaveWeights(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!IsBuilt) throw new InvalidOperationException($"SaveWeights: model '{Name}' is not built yet, so it has no weights.");
        SafeTensors.Save(path, NamedWeights(), new Dictionary<string, string> { ["format"] = WeightsFormat });
    }

    /// <summary>
    /// Sets the weights from a safetensors file: by name when every weight's name is there, otherwise in
    /// order when the count and shapes agree (as Keras loads weights into a rebuilt model).
    /// </summary>
    public void LoadWeights(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!IsBuilt) throw new InvalidOperationException($"LoadWeights: model '{Name}' is not built yet; build it (call it once, or declare an input shape) first.");
        using var file = SafeTensors.Load(path);
        AssignWeights(file, path, byNameOnly: false);
    }

    private IEnumerable<(string Name, Tensor Tensor)> NamedWeights()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var weight in Weights)
        {
            var name = weight.Name ?? throw new InvalidOperationException("Save: a weight has no name.");
            if (!seen.Add(name)) throw new InvalidOperationException($"Save: two weights are named '{name}'; layer names must be unique.");
            yield return (name, weight);
        }
    }

    private void AssignWeights(SafeTensorsFile file, string path, bool byNameOnly)
    {
        var weights = Weights;
        var stored = file.Tensors;
        bool allNamed = weights.All(w => w.Name is not null && stored.ContainsKey(w.Name));
        if (allNamed)
        {
            foreach (var weight in weights) CopyInto(weight, stored[weight.Name!], weight.Name!, path);
            return;
        }
        var values = stored.Values.ToList();
        if (byNameOnly || values.Count != weights.Count)
        {
            var missing = weights.Where(w => w.Name is null || !stored.ContainsKey(w.Name)).Select(w => w.Name).ToList();
            throw new InvalidDataException(
                $"'{path}' lacks weights the model has: {string.Join(", ", missing)} (the file has {string.Join(", ", stored.Keys)}).");
        }
        for (int i = 0; i < weights.Count; i++) CopyInto(weights[i], values[i], $"#{i} ({weights[i].Name})", path);
    }

    private static void CopyInto(Tensor weight, Tensor stored, string name, string path)
    {
        if (stored.Shape != weight.Shape)
            throw new InvalidDataException($"'{path}': weight {name} has shape {stored.Shape} in the file but {weight.Shape} in the model.");
        weight.CopyFrom(stored.ToArray());
    }

    private void CompileFromConfig(JsonObject compile, string path)
    {
        try
        {
            var optimizerConfig = compile["optimizer"] as JsonObject;
            var optimizer = optimizerConfig is null ? Optimizers.Get("adam") : Optimizers.FromConfig(optimizerConfig);
            var loss = Losses.FromConfig(compile["loss"] as JsonObject ?? throw new FormatException("no loss"));
            var metricNames = (compile["metrics"] as JsonArray ?? []).Select(m => m!.GetValue<string>()).ToList();
            // A weighted metric named like a plain one was saved as "weighted_" + its name; Compile renames it again.
            var weightedNames = (compile["weighted_metrics"] as JsonArray ?? []).Select(m => m!.GetValue<string>())
                .Select(n => n.StartsWith("weighted_", StringComparison.Ordinal) && metricNames.Contains(n["weighted_".Length..]) ? n["weighted_".Length..] : n);
            Compile(optimizer, loss, metricNames.Select(DeepSharp.Metrics.Get), weightedNames.Select(DeepSharp.Metrics.Get));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException(
                $"Load: the compile settings in '{path}' are not valid: {e.Message} A custom loss or metric must be registered " +
                "(CustomObjects.Register) before loading; or load with compile: false and compile the model yourself.", e);
        }
    }

    private static JsonNode? ParseMetadata(IReadOnlyDictionary<string, string> metadata, string key, string path)
    {
        if (!metadata.TryGetValue(key, out var text)) throw new InvalidDataException($"Load: '{path}' has no '{key}' in its metadata.");
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Load: the '{key}' metadata of '{path}' is not valid JSON: {e.Message}", e);
        }
    }
}

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
        SafeTensors.Save(path, NamedWeights(), metadata, checksum: true);
    }

    /// <summary>
    /// Loads a model saved with <see cref="Save"/>: recreates its layers, builds them with the weights of the file
    /// and, if it was compiled and <paramref name="compile"/> is true, compiles it again (with a fresh optimizer
    /// state), as Keras' <c>load_model(path, compile=...)</c>. Custom losses, metrics, activations, initializers and
    /// regularizers are found by name in <see cref="CustomObjects"/>, custom layers in <see cref="LayerRegistry"/>;
    /// with <c>compile: false</c> a model whose loss is not registered still loads, ready for Predict or a new Compile.
    /// </summary>
    /// <remarks>
    /// The reader is strict and bounded. The file's checksum (written by <see cref="Save"/>; files written
    /// without one, or by other tools, load without) is verified first; every key of the configuration must be
    /// known and hold a value of the right type; each weight is checked against the file (present, same shape)
    /// before it is allocated, so a load allocates about what the file holds, never what a number in it claims;
    /// tensors of the file the model does not use are refused.
    /// </remarks>
    /// <param name="path">The model file.</param>
    /// <param name="compile">Whether to compile the model with its saved settings (Keras' <c>compile=True</c>).</param>
    /// <param name="allowNonFinite">Whether to accept weights holding NaN or infinities (refused by default).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// Any problem with the file's content: not safetensors, not a DeepSharp model, damaged (checksum), a
    /// configuration that is not valid (unknown key, wrong type, a layer that cannot be built), weights missing,
    /// extra or of another shape, non-finite weights. The message names the file and what is wrong.
    /// </exception>
    public static Model Load(string path, bool compile = true, bool allowNonFinite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = SafeTensorsReader.Open(path);
        var metadata = reader.Metadata;
        if (!metadata.TryGetValue("format", out var format) || format != ModelFormat)
            throw new InvalidDataException(
                $"Load: '{path}' is a safetensors file but not a DeepSharp model (its metadata has no format '{ModelFormat}'" +
                (format is null ? "" : $"; it says '{SafeTensorsReader.Shorten(format)}'") + "). To load bare weights, build the model and call LoadWeights.");
        CheckMetadataKeys(metadata, ModelKeys, path);
        reader.VerifyChecksum(strict: true);
        try
        {
            if (!metadata.TryGetValue("format_version", out var version) || version != "1")
                throw new FormatException($"its format_version is {(version is null ? "missing" : $"'{SafeTensorsReader.Shorten(version)}'")}; this DeepSharp reads version 1.");
            var entry = ParseMetadata(metadata, "model") as JsonObject
                ?? throw new FormatException("its 'model' metadata is not a saved model {\"class_name\": ..., \"config\": {...}}.");
            var buildShape = new ConfigReader([], "The model file").PartialShape("build_input_shape", ParseMetadata(metadata, "build_input_shape"));
            JsonObject? compileSettings = null;
            if (compile && metadata.ContainsKey("compile"))
            {
                var node = ParseMetadata(metadata, "compile");
                compileSettings = node as JsonObject ?? throw new FormatException($"its 'compile' metadata is {ConfigReader.Found(node)}; expected {{\"optimizer\": ..., \"loss\": ..., \"metrics\": [...]}}.");
            }
            var weights = new ModelFileWeights(reader, allowNonFinite);
            Model model;
            using (weights.Use())
            {
                model = LayerRegistry.Create(entry) as Model ?? throw new FormatException("it holds a layer, not a model.");
                if (model.InputShape is { } built && built != buildShape)
                    throw new FormatException(
                        $"its build_input_shape {FormatBatch(buildShape)} differs from the input shape its configuration declares, {FormatBatch(built)}.");
                model.EnsureBuilt(buildShape);
            }
            weights.CheckComplete(model);
            if (compileSettings is not null) model.CompileFromConfig(compileSettings);
            return model;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"Model file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Saves only the weights (safetensors, named "layer/kernel"), atomically.</summary>
    public void SaveWeights(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!IsBuilt) throw new InvalidOperationException($"SaveWeights: model '{Name}' is not built yet, so it has no weights.");
        SafeTensors.Save(path, NamedWeights(), new Dictionary<string, string> { ["format"] = WeightsFormat }, checksum: true);
    }

    /// <summary>
    /// Sets the weights from a safetensors file: by name when every weight's name is there, otherwise in
    /// order when the count and shapes agree (as Keras loads weights into a rebuilt model). Nothing is changed
    /// unless every weight can be set: shapes are checked before anything is read, values before any is copied.
    /// </summary>
    /// <param name="path">A file written by <see cref="SaveWeights"/> or <see cref="Save"/>, or another safetensors file.</param>
    /// <param name="allowNonFinite">Whether to accept weights holding NaN or infinities (refused by default).</param>
    /// <exception cref="InvalidOperationException">The model is not built yet.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not valid safetensors, is damaged (checksum), lacks weights of the model, holds them with other
    /// shapes or unreadable dtypes, or holds non-finite values. The message names the file and what is wrong.
    /// </exception>
    public void LoadWeights(string path, bool allowNonFinite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!IsBuilt) throw new InvalidOperationException($"LoadWeights: model '{Name}' is not built yet; build it (call it once, or declare an input shape) first.");
        using var reader = SafeTensorsReader.Open(path);
        bool ours = reader.Metadata.TryGetValue("format", out var format) && format is ModelFormat or WeightsFormat;
        if (ours) CheckMetadataKeys(reader.Metadata, format == ModelFormat ? ModelKeys : WeightsKeys, path);
        reader.VerifyChecksum(strict: ours);
        var weights = Weights;
        var sources = new (SafeTensorsEntry Entry, string Label)[weights.Count];
        bool allNamed = true;
        for (int i = 0; i < weights.Count && allNamed; i++)
        {
            allNamed = weights[i].Name is { } name && reader.TryFind(name, out sources[i].Entry);
            sources[i].Label = weights[i].Name!;
        }
        if (!allNamed)
        {
            if (reader.Entries.Count != weights.Count)
            {
                var missing = weights.Where(w => w.Name is null || !reader.TryFind(w.Name, out _)).Select(w => w.Name).Take(10);
                throw new InvalidDataException(
                    $"'{path}' lacks weights the model has: {string.Join(", ", missing)} (the file has {FirstNames(reader)}).");
            }
            for (int i = 0; i < weights.Count; i++) sources[i] = (reader.Entries[i], $"#{i} ({weights[i].Name})");
        }
        for (int i = 0; i < weights.Count; i++)
        {
            var (entry, label) = sources[i];
            if (entry.Shape != weights[i].Shape)
                throw new InvalidDataException($"'{path}': weight {label} has shape {entry.Shape} in the file but {weights[i].Shape} in the model.");
            if (!SafeTensorsReader.IsReadable(entry.DType))
                throw new InvalidDataException($"'{path}': weight {label} has dtype {entry.DType}; DeepSharp reads F32, F16, BF16 and F64 (converted to float32).");
        }
        var values = new float[weights.Count][];
        for (int i = 0; i < weights.Count; i++)
        {
            values[i] = new float[sources[i].Entry.Count];
            reader.Read(sources[i].Entry, values[i], allowNonFinite);
        }
        for (int i = 0; i < weights.Count; i++) weights[i].CopyFrom(values[i]);
    }

    /// <summary>The first names a file holds, for messages (a damaged header may list millions).</summary>
    private static string FirstNames(SafeTensorsReader reader) =>
        reader.Entries.Count == 0 ? "none"
        : string.Join(", ", reader.Entries.Take(10).Select(e => SafeTensorsReader.Shorten(e.Name))) + (reader.Entries.Count > 10 ? $" and {reader.Entries.Count - 10} more" : "");

    /// <summary>The metadata a DeepSharp model file holds, and a weights file.</summary>
    private static readonly string[] ModelKeys = ["format", "format_version", "deepsharp_version", "model", "build_input_shape", "compile", SafeTensorsChecksum.Key];
    private static readonly string[] WeightsKeys = ["format", SafeTensorsChecksum.Key];

    /// <summary>Refuses metadata keys a DeepSharp file does not have (a damaged key would otherwise hide what it held).</summary>
    private static void CheckMetadataKeys(IReadOnlyDictionary<string, string> metadata, string[] known, string path)
    {
        foreach (var key in metadata.Keys)
            if (Array.IndexOf(known, key) < 0)
                throw new InvalidDataException($"Model file '{path}': unknown metadata key '{SafeTensorsReader.Shorten(key)}'; a DeepSharp file has {string.Join(", ", known)}.");
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

    private void CompileFromConfig(JsonObject compile)
    {
        var r = new ConfigReader(compile, "compile");
        try
        {
            if (!r.TryGet("optimizer", out var optimizerNode)) throw r.Missing("optimizer");
            var optimizer = optimizerNode switch
            {
                JsonObject config => Optimizers.FromConfig(config),
                JsonValue name when name.GetValueKind() == JsonValueKind.String => Optimizers.Get(name.GetValue<string>()),
                _ => throw r.Invalid("optimizer", optimizerNode, "an optimizer {\"name\": ..., ...} or its name"),
            };
            if (!r.TryGet("loss", out var lossNode)) throw r.Missing("loss");
            var loss = Losses.FromConfig(lossNode ?? throw r.Invalid("loss", lossNode, "a loss {\"name\": ..., ...} or its name"));
            var metricNames = MetricNames(r, "metrics");
            // A weighted metric named like a plain one was saved as "weighted_" + its name; Compile renames it again.
            var weightedNames = MetricNames(r, "weighted_metrics")
                .Select(n => n.StartsWith("weighted_", StringComparison.Ordinal) && metricNames.Contains(n["weighted_".Length..]) ? n["weighted_".Length..] : n)
                .ToList();
            r.Finish(0);
            Compile(optimizer, loss, metricNames.Select(DeepSharp.Metrics.Get).ToList(), weightedNames.Select(DeepSharp.Metrics.Get).ToList());
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new FormatException(
                $"{e.Message} A custom loss or metric must be registered (CustomObjects.Register) before loading; " +
                "or load with compile: false and compile the model yourself.", e);
        }
    }

    private static List<string> MetricNames(ConfigReader r, string key)
    {
        var names = new List<string>();
        if (!r.TryGet(key, out var node)) return names;
        if (node is not JsonArray list) throw r.Invalid(key, node, "an array of metric names, such as [\"accuracy\"]");
        foreach (var item in list) names.Add(r.Value<string>(key, item));
        return names;
    }

    private static JsonNode? ParseMetadata(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var text)) throw new FormatException($"it has no '{key}' in its metadata.");
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new FormatException($"its '{key}' metadata is not valid JSON: {e.Message}", e);
        }
    }
}

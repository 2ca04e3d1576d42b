using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// One layer's configuration, translated key by key between Keras' form and DeepSharp's (the tables are in
/// <see cref="KerasLayerKinds"/>): reading keeps only the keys DeepSharp's layer takes, after checking the
/// Keras-only ones hold neutral values; writing gives Keras 3's serialized layer.
/// </summary>
internal static class KerasLayerConfigs
{
    /// <summary>
    /// Translates a serialized Keras layer (<c>{class_name, config, ...}</c>) into DeepSharp's
    /// <c>{class_name, config}</c>. Models nested as layers go through <see cref="KerasModelConfig"/>.
    /// </summary>
    internal static JsonObject Read(JsonObject entry, int kerasMajor, string where)
    {
        string className = KerasJson.String(entry["class_name"], $"{where}: class_name");
        if (entry["registered_name"] is JsonValue registered && registered.TryGetValue(out string? custom) && custom != className)
            throw new FormatException($"{where}: '{custom}' is a custom layer class, which DeepSharp cannot recreate.");
        var config = KerasJson.Object(entry["config"], $"{where} ({className}): config");
        string name = KerasJson.String(config["name"], $"{where} ({className}): config.name");
        string owner = $"layer '{name}' ({className})";
        if (className == "InputLayer") return ReadInput(config, name, owner);
        if (KerasLayerKinds.Refusal(className) is { } reason)
            throw new FormatException($"{owner}: DeepSharp's {className} is not read from Keras files: {reason}.");
        var kind = KerasLayerKinds.Find(className) ?? throw new FormatException(LayerRegistry.Knows(className)
            ? $"{owner}: reading DeepSharp's {className} from Keras files is not supported yet (it reads {KerasLayerKinds.Known}, InputLayer, Sequential and Functional)."
            : $"{owner}: DeepSharp has no {className} layer (it reads {KerasLayerKinds.Known}, InputLayer, Sequential and Functional).");
        var ours = new JsonObject { ["name"] = name };
        foreach (var (key, value) in config)
        {
            if (kind.Arguments.TryGetValue(key, out var ourKey))
            {
                if (ReadValue(key, value, kerasMajor, owner) is { } translated) ours[ourKey] = translated;
                continue;
            }
            if (KerasJson.ReadShared(key, value, ours, owner)) continue;
            switch (key)
            {
                case "batch_input_shape" or "batch_shape" or "input_shape" or "input_dim" when kind.TakesInputShape:
                    if (KerasJson.IsNull(value)) break;
                    var shape = key switch
                    {
                        "input_shape" => SampleShape(value, owner, key, withBatch: false),
                        "input_dim" => new JsonArray(KerasJson.Int(value, $"{owner}: 'input_dim'")),
                        _ => SampleShape(value, owner, key, withBatch: true),
                    };
                    if (ours["input_shape"] is { } earlier && earlier.ToJsonString() != shape.ToJsonString())
                        throw new FormatException($"{owner}: '{key}' gives the input shape {shape.ToJsonString()} but another key gives {earlier.ToJsonString()}.");
                    ours["input_shape"] = shape;
                    break;
                default:
                    if (kind.KerasOnly.TryGetValue(key, out var neutral))
                    {
                        if (!neutral.Accepts(value))
                            throw new FormatException(
                                $"{owner}: '{key}' is {KerasJson.Show(value)}; DeepSharp's {className} behaves as '{key}' = {neutral.Expected} only, so this model is not representable.");
                    }
                    else throw new FormatException($"{owner}: '{key}' ({KerasJson.Show(value)}) has no counterpart in DeepSharp's {className}.");
                    break;
            }
        }
        return new JsonObject { ["class_name"] = className, ["config"] = ours };
    }

    private static JsonObject ReadInput(JsonObject config, string name, string owner)
    {
        JsonArray? shape = null;
        foreach (var (key, value) in config)
        {
            switch (key)
            {
                case "name":
                    break;
                case "batch_shape" or "batch_input_shape":
                    shape = SampleShape(value, owner, key, withBatch: true);
                    break;
                case "dtype":
                    KerasObjects.CheckDtype(value, owner);
                    break;
                case "sparse" or "ragged" or "optional":
                    if (!KerasLayerKind.MustBeFalse.Accepts(value))
                        throw new FormatException($"{owner}: '{key}' is {KerasJson.Show(value)}; DeepSharp's inputs are dense, fixed-shape tensors.");
                    break;
                default:
                    throw new FormatException($"{owner}: '{key}' ({KerasJson.Show(value)}) has no counterpart in DeepSharp's Input.");
            }
        }
        if (shape is null) throw new FormatException($"{owner}: the input has no batch_shape.");
        return new JsonObject
        {
            ["class_name"] = "InputLayer",
            ["config"] = new JsonObject { ["name"] = name, ["batch_shape"] = new JsonArray([null, .. shape.Select(KerasJson.Copy)]) },
        };
    }

    private static JsonNode? ReadValue(string key, JsonNode? value, int kerasMajor, string owner)
    {
        string at = $"{owner}: '{key}'";
        if (key is "activation" or "recurrent_activation") return KerasObjects.ReadActivation(value, at, kerasMajor);
        if (key.EndsWith("_initializer", StringComparison.Ordinal)) return KerasJson.IsNull(value) ? null : KerasObjects.ReadInitializer(value!, at);
        if (key.EndsWith("_regularizer", StringComparison.Ordinal)) return KerasObjects.ReadRegularizer(value, at);
        if (key is "layer" or "backward_layer")
            return KerasJson.IsNull(value) ? null : Read(KerasJson.Object(value, at), kerasMajor, $"{owner}.{key}");
        return KerasJson.Copy(value);
    }

    /// <summary>A per-sample shape from Keras' (batch) shape: positive sizes, null where Keras has None (an unknown size).</summary>
    internal static JsonArray SampleShape(JsonNode? node, string owner, string key, bool withBatch)
    {
        var array = KerasJson.Array(node, $"{owner}: '{key}'");
        if (withBatch && array.Count == 0) throw new FormatException($"{owner}: '{key}' is empty; it starts with the batch size.");
        var dims = new JsonArray();
        for (int i = withBatch ? 1 : 0; i < array.Count; i++)
        {
            if (KerasJson.IsNull(array[i]))
            {
                dims.Add(null); // checked when the model is built: only layers that take an unknown size there accept it
                continue;
            }
            int d = KerasJson.Int(array[i], $"{owner}: '{key}'[{i}]");
            if (d <= 0) throw new FormatException($"{owner}: '{key}' {KerasJson.Show(node)} has a size {d}; sizes must be positive.");
            dims.Add((JsonNode?)d);
        }
        return dims;
    }

    /// <summary>
    /// Writes DeepSharp's configuration of <paramref name="layer"/> as Keras 3 serializes a layer (module,
    /// class_name, config, registered_name), without its input shape (the model's InputLayer carries it).
    /// </summary>
    internal static JsonObject Write(Layer layer, PartialShape? builtFor)
    {
        string owner = $"layer '{layer.Name}' ({layer.ClassName})";
        if (KerasLayerKinds.Refusal(layer.ClassName) is { } reason)
            throw new InvalidOperationException($"SaveKeras: {owner} is not written to Keras files: {reason}.");
        var kind = KerasLayerKinds.Find(layer.ClassName)
            ?? throw new InvalidOperationException($"SaveKeras: {owner} has no Keras form: writing {layer.ClassName} layers to Keras files is not supported (Keras layers DeepSharp writes: {KerasLayerKinds.Known}).");
        // Through text, so that every value reads back as Keras' JSON would (numbers as numbers, not CLR types).
        var ours = KerasJson.Object(JsonNode.Parse(layer.GetConfig().ToJsonString()), owner);
        var keras = new JsonObject();
        foreach (var (key, value) in ours)
        {
            switch (key)
            {
                case "name":
                    keras["name"] = KerasJson.Copy(value);
                    break;
                case "trainable":
                    if (kind.WritesTrainable) keras["trainable"] = KerasJson.Copy(value);
                    break;
                case "input_shape":
                    break;
                case "activity_regularizer" when KerasJson.IsNull(value):
                    // Keras 3 writes it only when set (Layer.get_config), and its constructors default to none.
                    break;
                default:
                    if (!kind.Arguments.Values.Contains(key))
                        throw new InvalidOperationException($"SaveKeras: {owner} has the argument '{key}', which Keras' {layer.ClassName} does not take.");
                    keras[key] = WriteValue(key, value, layer, owner);
                    break;
            }
        }
        keras["dtype"] = "float32";
        foreach (var (key, value) in kind.WrittenExtras ?? []) keras[key] = KerasJson.Copy(value);
        var entry = new JsonObject
        {
            ["module"] = "keras.layers",
            ["class_name"] = layer.ClassName,
            ["config"] = keras,
            ["registered_name"] = null,
        };
        if (builtFor is { } shape) entry["build_config"] = new JsonObject { ["input_shape"] = BatchShape(shape) };
        return entry;
    }

    private static JsonNode? WriteValue(string key, JsonNode? value, Layer layer, string owner)
    {
        if (key is "activation" or "recurrent_activation") return KerasObjects.WriteActivation(value, $"SaveKeras: {owner} '{key}'");
        if (key.EndsWith("_initializer", StringComparison.Ordinal)) return KerasObjects.WriteObject(value, "keras.initializers");
        if (key.EndsWith("_regularizer", StringComparison.Ordinal)) return KerasObjects.WriteObject(value, "keras.regularizers");
        if (key == "layer") return Write(Wrapped(layer, forward: true), null);
        if (key == "backward_layer") return Write(Wrapped(layer, forward: false), null);
        return KerasJson.Copy(value);
    }

    private static Layer Wrapped(Layer owner, bool forward) => owner switch
    {
        Bidirectional b => forward ? b.ForwardLayer : b.BackwardLayer,
        TimeDistributed t => t.Layer,
        _ => throw new InvalidOperationException($"SaveKeras: layer '{owner.Name}' ({owner.ClassName}) wraps no layer."),
    };

    /// <summary>Keras' batch shape of a per-sample shape: [null, d1, d2, ...].</summary>
    internal static JsonArray BatchShape(PartialShape shape) => new([null, .. shape.ToArray().Select(d => d is { } size ? (JsonNode?)size : null)]);

    /// <summary>The InputLayer entry Keras 3 writes for a model input.</summary>
    internal static JsonObject WriteInput(string name, PartialShape shape) => new()
    {
        ["module"] = "keras.layers",
        ["class_name"] = "InputLayer",
        ["config"] = new JsonObject { ["batch_shape"] = BatchShape(shape), ["dtype"] = "float32", ["sparse"] = false, ["name"] = name },
        ["registered_name"] = null,
    };
}

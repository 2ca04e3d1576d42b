using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A Keras model's configuration (Sequential or Functional, as Keras 3's config.json or Keras 2's
/// model_config attribute hold it) translated into DeepSharp's <c>{class_name, config}</c>, with the Keras
/// class of every layer kept beside it (the weights file names layers by class).
/// </summary>
internal sealed class KerasModelConfig
{
    private KerasModelConfig(JsonObject model, List<string> kerasClasses, bool functional)
    {
        Model = model;
        KerasClasses = kerasClasses;
        IsFunctional = functional;
    }

    /// <summary>DeepSharp's <c>{class_name, config}</c> of the model.</summary>
    internal JsonObject Model { get; }

    /// <summary>The Keras class of each entry of the translated model's layer list, in order.</summary>
    internal List<string> KerasClasses { get; }

    /// <summary>Whether the model is functional (its layers carry inbound nodes).</summary>
    internal bool IsFunctional { get; }

    /// <summary>The translated model's layer entries (<c>{class_name, config, ...}</c>).</summary>
    internal JsonArray Layers => (JsonArray)Model["config"]!["layers"]!;

    /// <summary>Translates a serialized Keras model; <paramref name="kerasMajor"/> is 2 or 3.</summary>
    internal static KerasModelConfig Read(JsonObject serialized, int kerasMajor)
    {
        string className = KerasJson.String(serialized["class_name"], "the model's class_name");
        var config = KerasJson.Object(serialized["config"], $"the {className} model's config");
        JsonNode? buildShape = serialized["build_config"] is JsonObject build ? build["input_shape"] : null;
        var result = className switch
        {
            "Sequential" => ReadSequential(config, buildShape, kerasMajor),
            "Functional" or "Model" => ReadFunctional(config, kerasMajor),
            _ => throw new FormatException(
                $"the model is a '{className}', a subclassed model whose architecture is Python code; DeepSharp reads Sequential and Functional models."),
        };
        return result.Canonical();
    }

    /// <summary>The same model with every value as parsed JSON (what DeepSharp's FromConfig methods read).</summary>
    private KerasModelConfig Canonical() =>
        new(KerasJson.Object(JsonNode.Parse(Model.ToJsonString()), "the translated model"), KerasClasses, IsFunctional);

    private static KerasModelConfig ReadSequential(JsonObject config, JsonNode? buildShape, int kerasMajor)
    {
        string name = KerasJson.String(config["name"], "the Sequential model's name");
        string owner = $"model '{name}' (Sequential)";
        var ours = new JsonObject { ["name"] = name };
        JsonArray? entries = null;
        foreach (var (key, value) in config)
        {
            if (KerasJson.ReadShared(key, value, ours, owner)) continue;
            switch (key)
            {
                case "layers":
                    entries = KerasJson.Array(value, $"{owner}: 'layers'");
                    break;
                case "build_input_shape":
                    buildShape ??= value;
                    break;
                default:
                    throw new FormatException($"{owner}: '{key}' ({KerasJson.Show(value)}) has no counterpart in DeepSharp's Sequential.");
            }
        }
        if (entries is null) throw new FormatException($"{owner}: the configuration has no 'layers'.");
        var layers = new JsonArray();
        var classes = new List<string>();
        var raw = new List<JsonObject>();
        var rawClasses = new List<string>();
        JsonArray? inputShape = null;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = KerasJson.Object(entries[i], $"{owner}: layer {i}");
            var layer = KerasLayerConfigs.Read(entry, kerasMajor, $"{owner}: layer {i}");
            string kerasClass = layer["class_name"]!.GetValue<string>();
            raw.Add((JsonObject)entry["config"]!);
            rawClasses.Add(kerasClass);
            if (kerasClass == "InputLayer")
            {
                if (i != 0) throw new FormatException($"{owner}: an InputLayer can only be the first layer (it is layer {i}).");
                var batch = (JsonArray)layer["config"]!["batch_shape"]!;
                inputShape = new JsonArray(batch.Skip(1).Select(KerasJson.Copy).ToArray());
                continue;
            }
            layers.Add((JsonNode)layer);
            classes.Add(kerasClass);
        }
        if (layers.Count == 0) throw new FormatException($"{owner}: the model has no layers.");
        if (inputShape is null && !KerasJson.IsNull(buildShape))
            inputShape = KerasLayerConfigs.SampleShape(buildShape, owner, "build_input_shape", withBatch: true);
        // The input shape goes where DeepSharp users put it: on the first layer (Keras 3 keeps it in an InputLayer).
        var first = (JsonObject)layers[0]!["config"]!;
        if (first["input_shape"] is { } own)
        {
            if (inputShape is not null && own.ToJsonString() != inputShape.ToJsonString())
                throw new FormatException($"{owner}: the InputLayer's shape {inputShape.ToJsonString()} differs from the first layer's {own.ToJsonString()}.");
        }
        else if (inputShape is null)
            throw new FormatException($"{owner}: the model has no input shape (no InputLayer, no build_input_shape): it was never built, so it has no weights.");
        else if (KerasLayerKinds.Find(classes[0]) is { TakesInputShape: true }) first["input_shape"] = inputShape;
        else throw new FormatException($"{owner}: the first layer, {classes[0]}, cannot take the input shape.");
        ours["layers"] = layers;
        CheckMasks(raw, rawClasses, functional: false);
        return new KerasModelConfig(new JsonObject { ["class_name"] = "Sequential", ["config"] = ours }, classes, functional: false);
    }

    private static KerasModelConfig ReadFunctional(JsonObject config, int kerasMajor)
    {
        string name = KerasJson.String(config["name"], "the Functional model's name");
        string owner = $"model '{name}' (Functional)";
        var ours = new JsonObject { ["name"] = name };
        JsonArray? entries = null;
        JsonNode? inputs = null, outputs = null;
        foreach (var (key, value) in config)
        {
            if (KerasJson.ReadShared(key, value, ours, owner)) continue;
            switch (key)
            {
                case "layers":
                    entries = KerasJson.Array(value, $"{owner}: 'layers'");
                    break;
                case "input_layers":
                    inputs = value;
                    break;
                case "output_layers":
                    outputs = value;
                    break;
                default:
                    throw new FormatException($"{owner}: '{key}' ({KerasJson.Show(value)}) has no counterpart in DeepSharp's functional Model.");
            }
        }
        if (entries is null) throw new FormatException($"{owner}: the configuration has no 'layers'.");
        var layers = new JsonArray();
        var classes = new List<string>();
        var raw = new List<JsonObject>();
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = KerasJson.Object(entries[i], $"{owner}: layer {i}");
            var layer = KerasLayerConfigs.Read(entry, kerasMajor, $"{owner}: layer {i}");
            string layerName = layer["config"]!["name"]!.GetValue<string>();
            if (entry["name"] is { } entryName && KerasJson.String(entryName, $"{owner}: layer {i} name") != layerName)
                throw new FormatException($"{owner}: layer {i} is listed as '{entryName}' but its configuration names it '{layerName}'.");
            string at = $"{owner}: layer '{layerName}'";
            var nodes = new JsonArray();
            foreach (var node in KerasJson.Array(entry["inbound_nodes"] ?? new JsonArray(), $"{at}: inbound_nodes"))
                nodes.Add((JsonNode)ReadNode(node, at));
            layer["name"] = layerName;
            layer["inbound_nodes"] = nodes;
            layers.Add((JsonNode)layer);
            classes.Add(layer["class_name"]!.GetValue<string>());
            raw.Add((JsonObject)entry["config"]!);
        }
        CheckMasks(raw, classes, functional: true);
        ours["layers"] = layers;
        ours["input_layers"] = References(inputs, $"{owner}: input_layers");
        ours["output_layers"] = References(outputs, $"{owner}: output_layers");
        return new KerasModelConfig(new JsonObject { ["class_name"] = "Functional", ["config"] = ours }, classes, functional: true);
    }

    /// <summary>
    /// One call of a layer: Keras 3's <c>{"args": [...], "kwargs": {...}}</c> with serialized Keras tensors, or
    /// Keras 2's <c>[[layer, node, tensor, kwargs], ...]</c>; DeepSharp's is <c>[[layer, node, tensor], ...]</c>.
    /// </summary>
    private static JsonArray ReadNode(JsonNode? node, string at)
    {
        var references = new JsonArray();
        if (node is JsonObject call)
        {
            foreach (var (key, value) in call)
            {
                if (key == "kwargs") CheckCallArguments(KerasJson.Object(value, $"{at}: kwargs"), at);
                else if (key != "args") throw new FormatException($"{at}: an inbound node has '{key}', which DeepSharp does not know.");
            }
            var args = KerasJson.Array(call["args"], $"{at}: args");
            if (args.Count != 1) throw new FormatException($"{at}: the layer is called with {args.Count} positional arguments; DeepSharp layers take one (a tensor or a list of tensors).");
            if (args[0] is JsonArray list)
                foreach (var tensor in list) references.Add((JsonNode)KerasTensor(tensor, at));
            else references.Add((JsonNode)KerasTensor(args[0], at));
            return references;
        }
        foreach (var item in KerasJson.Array(node, $"{at}: inbound node"))
        {
            var parts = KerasJson.Array(item, $"{at}: inbound tensor");
            if (parts.Count is not (3 or 4)) throw new FormatException($"{at}: inbound tensor {KerasJson.Show(item)} is not [layer, node, tensor, kwargs].");
            if (parts.Count == 4) CheckCallArguments(KerasJson.Object(parts[3], $"{at}: call arguments"), at);
            references.Add((JsonNode)Reference(new JsonArray(KerasJson.Copy(parts[0]), KerasJson.Copy(parts[1]), KerasJson.Copy(parts[2])), at));
        }
        return references;
    }

    private static JsonArray KerasTensor(JsonNode? node, string at)
    {
        var tensor = KerasJson.Object(node, $"{at}: argument");
        if (KerasJson.String(tensor["class_name"], $"{at}: argument class_name") != "__keras_tensor__")
            throw new FormatException($"{at}: the layer is called on {KerasJson.Show(node)}, not on a tensor of the model.");
        var config = KerasJson.Object(tensor["config"], $"{at}: keras tensor config");
        return Reference(config["keras_history"], at);
    }

    /// <summary>Call arguments DeepSharp can honour: none, a null mask, training left to the model.</summary>
    private static void CheckCallArguments(JsonObject kwargs, string at)
    {
        foreach (var (key, value) in kwargs)
        {
            bool neutral = key switch
            {
                "mask" => KerasJson.IsNull(value),
                "training" => KerasLayerKind.MustBeFalse.Accepts(value),
                _ => false,
            };
            if (!neutral)
                throw new FormatException($"{at}: the layer is called with {key}={KerasJson.Show(value)}, which DeepSharp's functional models cannot pass.");
        }
    }

    private static JsonArray Reference(JsonNode? node, string at)
    {
        var parts = KerasJson.Array(node, $"{at}: tensor reference");
        if (parts.Count != 3) throw new FormatException($"{at}: {KerasJson.Show(node)} is not a [layer, node, tensor] reference.");
        return new JsonArray(KerasJson.String(parts[0], $"{at}: referenced layer"), KerasJson.Int(parts[1], $"{at}: node index"),
            KerasJson.Int(parts[2], $"{at}: tensor index"));
    }

    /// <summary>input_layers / output_layers: Keras 3 writes a single reference for a single tensor, a list otherwise.</summary>
    private static JsonArray References(JsonNode? node, string at)
    {
        var array = KerasJson.Array(node, at);
        if (array.Count == 3 && array[0] is JsonValue) return new JsonArray(Reference(array, at));
        var result = new JsonArray();
        foreach (var item in array) result.Add((JsonNode)Reference(item, at));
        if (result.Count == 0) throw new FormatException($"{at} is empty.");
        return result;
    }

    /// <summary>
    /// Masks: Keras carries a mask from Embedding(mask_zero) or Masking through every layer that supports it;
    /// DeepSharp carries it in a Sequential from its source through the masking-aware layers that follow
    /// directly (recurrent layers, Bidirectional, TimeDistributed, GlobalAveragePooling1D), and gives zeros at masked steps. Models
    /// whose masks would travel otherwise are refused. <paramref name="raw"/> are Keras' own layer configs.
    /// </summary>
    private static void CheckMasks(List<JsonObject> raw, List<string> classes, bool functional)
    {
        bool masked = false;
        for (int i = 0; i < raw.Count; i++)
        {
            var config = raw[i];
            string className = classes[i];
            string owner = $"layer '{config["name"]}' ({className})";
            if (className == "Masking" || className == "Embedding" && IsTrue(config["mask_zero"]))
            {
                if (functional)
                    throw new FormatException($"{owner} makes a mask, and DeepSharp's functional models do not carry masks; use a Sequential model.");
                masked = true;
                continue;
            }
            if (!masked) continue;
            if (className is "SimpleRNN" or "LSTM" or "GRU")
            {
                if (!IsTrue(config["return_sequences"])) masked = false;
                else if (!IsTrue(config["zero_output_for_mask"]))
                    throw new FormatException(
                        $"{owner} returns sequences under a mask with zero_output_for_mask=False: Keras repeats the previous output at masked steps, " +
                        "DeepSharp gives zeros, so the model would predict other values.");
            }
            else if (className == "Bidirectional")
            {
                // Keras sets zero_output_for_mask to return_sequences on both inner layers, as DeepSharp computes them.
                if (!IsTrue(config["layer"]?["config"]?["return_sequences"])) masked = false;
            }
            else if (className == "GlobalAveragePooling1D")
                masked = false; // both average the unmasked steps, and the mask ends there
            else if (className != "TimeDistributed")
                throw new FormatException(
                    $"{owner} sits between a mask and the recurrent layer that uses it; Keras passes the mask through it, DeepSharp does not.");
        }
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.TryGetValue(out bool b) && b;
}

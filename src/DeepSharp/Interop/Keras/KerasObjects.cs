using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The objects Keras layers take as arguments — initializers, regularizers, activations, dtype policies — in
/// both directions: Keras 3's <c>{module, class_name, config, registered_name}</c> and Keras 2's
/// <c>{class_name, config}</c> (Keras 2.13–2.15 already wrote the first form inside .h5 files) onto
/// DeepSharp's <c>{class_name, config}</c>, and back to Keras 3's form. Anything DeepSharp cannot represent
/// is refused with the owner and the key named.
/// </summary>
internal static class KerasObjects
{
    /// <summary>Each initializer Keras and DeepSharp share, with the configuration keys both know.</summary>
    private static readonly Dictionary<string, string[]> InitializerKeys = new(StringComparer.Ordinal)
    {
        ["Zeros"] = [],
        ["Ones"] = [],
        ["Constant"] = ["value"],
        ["RandomUniform"] = ["minval", "maxval", "seed"],
        ["RandomNormal"] = ["mean", "stddev", "seed"],
        ["TruncatedNormal"] = ["mean", "stddev", "seed"],
        ["GlorotUniform"] = ["seed"],
        ["GlorotNormal"] = ["seed"],
        ["HeUniform"] = ["seed"],
        ["HeNormal"] = ["seed"],
        ["LecunUniform"] = ["seed"],
        ["LecunNormal"] = ["seed"],
        ["Orthogonal"] = ["gain", "seed"],
        ["Identity"] = ["gain"],
        ["VarianceScaling"] = ["scale", "mode", "distribution", "seed"],
    };

    /// <summary>Keras' lower-case aliases of the initializers ("glorot_uniform", and the short "uniform"/"normal").</summary>
    private static readonly Dictionary<string, string> InitializerAliases = new(StringComparer.Ordinal)
    {
        ["uniform"] = "RandomUniform",
        ["normal"] = "RandomNormal",
        ["orthogonal"] = "Orthogonal",
        ["identity"] = "Identity",
    };

    private static readonly Dictionary<string, string[]> RegularizerKeys = new(StringComparer.Ordinal)
    {
        ["L1"] = ["l1"],
        ["L2"] = ["l2"],
        ["L1L2"] = ["l1", "l2"],
    };

    /// <summary>The activations whose Keras 3 definition is DeepSharp's (Keras 2's hard_sigmoid is not: it is 0.2x + 0.5).</summary>
    private static readonly HashSet<string> Keras3Activations = new(StringComparer.Ordinal)
    {
        "linear", "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "gelu", "softplus", "softsign",
        "swish", "silu", "hard_sigmoid", "exponential", "leaky_relu",
    };

    /// <summary>Translates a Keras initializer (object or name) into DeepSharp's <c>{class_name, config}</c>.</summary>
    internal static JsonNode ReadInitializer(JsonNode node, string where)
    {
        string className;
        JsonObject config;
        if (node is JsonValue)
        {
            className = InitializerName(KerasJson.String(node, where), where);
            config = [];
        }
        else
        {
            var obj = StripModule(KerasJson.Object(node, where), where);
            className = InitializerName(KerasJson.String(obj["class_name"], $"{where}.class_name"), where);
            config = obj["config"] is JsonNode c ? KerasJson.Object(c, $"{where}.config") : [];
        }
        var known = InitializerKeys[className];
        var result = new JsonObject();
        foreach (var (key, value) in config)
        {
            if (known.Contains(key))
            {
                result[key] = ReadInitializerValue(className, key, value, where);
                continue;
            }
            if (key == "dtype" && (KerasJson.IsNull(value) || value is JsonValue v && v.TryGetValue(out string? d) && d == "float32")) continue;
            throw new FormatException($"{where}: initializer {className} has '{key}' ({KerasJson.Show(value)}), which DeepSharp's {className} does not take.");
        }
        return new JsonObject { ["class_name"] = className, ["config"] = result };
    }

    private static JsonNode? ReadInitializerValue(string className, string key, JsonNode? value, string where)
    {
        if (KerasJson.IsNull(value)) return null;
        string at = $"{where}: initializer {className} '{key}'";
        return key switch
        {
            "seed" => KerasJson.Long(value, at),
            "mode" => KerasJson.String(value, at) is "fan_in" or "fan_out" or "fan_avg" ? value!.DeepClone()
                : throw new FormatException($"{at} must be fan_in, fan_out or fan_avg; found {KerasJson.Show(value)}."),
            "distribution" => KerasJson.String(value, at) is "truncated_normal" or "untruncated_normal" or "uniform" ? value!.DeepClone()
                : throw new FormatException($"{at} must be truncated_normal, untruncated_normal or uniform; found {KerasJson.Show(value)}."),
            _ => Number(value, at),
        };
    }

    private static string InitializerName(string name, string where)
    {
        if (InitializerKeys.ContainsKey(name)) return name;
        if (InitializerAliases.TryGetValue(name, out var alias)) return alias;
        try
        {
            var type = Initializers.Get(name).GetType().Name;
            if (InitializerKeys.ContainsKey(type)) return type;
        }
        catch (ArgumentException)
        {
        }
        throw new FormatException($"{where}: initializer '{name}' is not one DeepSharp has (known: {string.Join(", ", InitializerKeys.Keys)}).");
    }

    /// <summary>Translates a Keras regularizer (or null) into DeepSharp's form; null stays null.</summary>
    internal static JsonNode? ReadRegularizer(JsonNode? node, string where)
    {
        if (KerasJson.IsNull(node)) return null;
        string className;
        JsonObject config;
        if (node is JsonValue)
        {
            className = KerasJson.String(node, where) switch { "l1" => "L1", "l2" => "L2", "l1_l2" => "L1L2", var other => other };
            config = [];
        }
        else
        {
            var obj = StripModule(KerasJson.Object(node, where), where);
            className = KerasJson.String(obj["class_name"], $"{where}.class_name");
            config = obj["config"] is JsonNode c ? KerasJson.Object(c, $"{where}.config") : [];
        }
        if (!RegularizerKeys.TryGetValue(className, out var known))
            throw new FormatException($"{where}: regularizer '{className}' is not one DeepSharp has (known: L1, L2, L1L2).");
        var result = new JsonObject();
        foreach (var (key, value) in config)
        {
            if (!known.Contains(key))
                throw new FormatException($"{where}: regularizer {className} has '{key}' ({KerasJson.Show(value)}), which DeepSharp's {className} does not take.");
            result[key] = Number(value, $"{where}: regularizer {className} '{key}'");
        }
        return new JsonObject { ["class_name"] = className, ["config"] = result };
    }

    /// <summary>
    /// Translates a Keras activation (a name, or Keras 3's serialized function) into DeepSharp's name.
    /// <paramref name="kerasMajor"/> decides hard_sigmoid, which Keras 2 defined differently.
    /// </summary>
    internal static JsonNode ReadActivation(JsonNode? node, string where, int kerasMajor)
    {
        if (KerasJson.IsNull(node)) return "linear";
        string name;
        if (node is JsonObject obj)
        {
            // serialize_keras_object of a plain function: {"module": "keras.activations", "class_name": "function", "config": "relu"}.
            string className = KerasJson.String(obj["class_name"], $"{where}.class_name");
            if (className != "function" || obj["config"] is not JsonValue)
                throw new FormatException($"{where}: the activation {KerasJson.Show(node)} is not a built-in Keras activation function.");
            name = KerasJson.String(obj["config"], where);
        }
        else name = KerasJson.String(node, where);
        if (!Keras3Activations.Contains(name))
            throw new FormatException($"{where}: activation '{name}' is not one DeepSharp has (known: {string.Join(", ", Keras3Activations)}).");
        if (kerasMajor < 3 && name == "hard_sigmoid")
            throw new FormatException(
                $"{where}: Keras 2's hard_sigmoid is clip(0.2x + 0.5, 0, 1); DeepSharp's (and Keras 3's) is relu6(x + 3) / 6, so this model would predict other values.");
        return name;
    }

    /// <summary>Checks a layer's dtype (a name or a dtype policy) is float32, the only type DeepSharp computes in.</summary>
    internal static void CheckDtype(JsonNode? node, string where)
    {
        if (KerasJson.IsNull(node)) return;
        string name = node switch
        {
            JsonObject policy => KerasJson.String(KerasJson.Object(policy["config"], $"{where}.dtype.config")["name"], $"{where}.dtype.config.name"),
            _ => KerasJson.String(node, $"{where}.dtype"),
        };
        if (name != "float32")
            throw new FormatException($"{where}: dtype '{name}' is not supported; DeepSharp computes in float32 only.");
    }

    /// <summary>Writes DeepSharp's <c>{class_name, config}</c> (an initializer or regularizer) in Keras 3's form.</summary>
    internal static JsonNode? WriteObject(JsonNode? node, string module)
    {
        if (KerasJson.IsNull(node)) return null;
        var obj = KerasJson.Object(node, module);
        return new JsonObject
        {
            ["module"] = module,
            ["class_name"] = KerasJson.Copy(obj["class_name"]),
            ["config"] = KerasJson.Copy(obj["config"]) ?? new JsonObject(),
            ["registered_name"] = null,
        };
    }

    /// <summary>Writes DeepSharp's activation in Keras' form: a name; refuses what Keras cannot say with one.</summary>
    internal static JsonNode WriteActivation(JsonNode? node, string where)
    {
        if (node is JsonObject obj)
        {
            // DeepSharp's leaky ReLU with a slope: Keras' "leaky_relu" has slope 0.2 and takes no other.
            float slope = obj["config"]?["negative_slope"]?.GetValue<float>() ?? 0.2f;
            if (obj["class_name"]?.GetValue<string>() == "leaky_relu" && slope == 0.2f) return "leaky_relu";
            throw new InvalidOperationException(
                $"{where}: the activation {KerasJson.Show(node)} has no Keras form (Keras' leaky_relu activation has slope 0.2); use a LeakyReLU layer instead.");
        }
        string name = node?.GetValue<string>() ?? "linear";
        if (!Keras3Activations.Contains(name)) throw new InvalidOperationException($"{where}: the activation '{name}' has no Keras form.");
        return name;
    }

    private static JsonObject StripModule(JsonObject obj, string where)
    {
        if (obj["registered_name"] is JsonValue registered && registered.TryGetValue(out string? name) && name.Contains('>'))
            throw new FormatException($"{where}: '{name}' is a custom registered object, which DeepSharp cannot recreate.");
        return obj;
    }

    private static JsonNode Number(JsonNode? value, string at)
    {
        if (value is JsonValue v && v.TryGetValue(out double d) && double.IsFinite(d)) return v.DeepClone();
        throw new FormatException($"{at} must be a finite number; found {KerasJson.Show(value)}.");
    }
}

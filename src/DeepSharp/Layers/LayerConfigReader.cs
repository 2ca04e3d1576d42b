using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Reads the arguments layers take from their saved configuration: activations, initializers, regularizers,
/// (height, width) pairs and wrapped layers, strictly (see <see cref="ConfigReader"/>). A value that is absent
/// reads as null, so the layer's constructor applies its own default: each default is written once, in the
/// constructor.
/// </summary>
internal static class LayerConfigReader
{
    /// <summary>
    /// A reader of a layer's configuration: "trainable", which <see cref="LayerRegistry"/> applies, is checked
    /// (true or false) and known; each FromConfig reads its own keys and ends with <see cref="ConfigReader.Finish"/>.
    /// </summary>
    internal static ConfigReader ForLayer(JsonObject config, string owner)
    {
        var reader = new ConfigReader(config, owner);
        reader.Optional("trainable", true);
        return reader;
    }

    /// <summary>A reader for an image layer's configuration, refusing layouts other than channels-last.</summary>
    internal static ConfigReader ImageLayer(JsonObject config, string owner)
    {
        var reader = ForLayer(config, owner);
        if (reader.OptionalString("data_format") is { } format && format != "channels_last")
            throw reader.Invalid("data_format", $"\"{format}\"", "\"channels_last\": DeepSharp's image layers are channels_last (NHWC)");
        return reader;
    }

    /// <summary>
    /// The activation saved under <paramref name="key"/>: a name, or <c>{"class_name": "leaky_relu", "config":
    /// {"negative_slope": ...}}</c>; null when absent (the constructor's default). JSON null and the empty name
    /// are refused: the writer always names the activation, "linear" included.
    /// </summary>
    internal static ActivationFunction? Activation(this ConfigReader reader, string key = "activation")
    {
        if (!reader.TryGet(key, out var node)) return null;
        const string Expected = "an activation name such as \"relu\" or \"linear\"";
        switch (node)
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                string name = value.GetValue<string>();
                if (name.Length == 0) throw reader.Invalid(key, node, Expected);
                try
                {
                    return Activations.Get(name);
                }
                catch (ArgumentException e)
                {
                    throw new FormatException($"{reader.Owner}: the saved value of '{key}' is not an activation: {e.Message}", e);
                }
            case JsonObject obj:
                var outer = new ConfigReader(obj, $"{reader.Owner}.{key}");
                string className = outer.Required<string>("class_name");
                // A registered activation reads its own configuration: its keys are not ours to judge.
                if (className != "leaky_relu" && CustomObjects.TryCreate<ActivationFunction>(className, outer.Object("config") ?? [], out var custom))
                    return custom;
                if (className != "leaky_relu")
                    throw outer.Invalid("class_name", $"\"{className}\"", "\"leaky_relu\" (the one built-in activation saved with arguments) or an activation registered with CustomObjects.Register");
                var config = new ConfigReader(outer.Object("config") ?? [], $"{reader.Owner}.{key} (leaky_relu)");
                outer.Finish(0);
                float slope = config.Optional("negative_slope", 0.2f);
                return config.Finish(Activations.LeakyReluWith(slope));
            default:
                throw reader.Invalid(key, node, Expected);
        }
    }

    /// <summary>
    /// The initializer saved under <paramref name="key"/>: its <c>{"class_name", "config"}</c> object or, as Keras
    /// accepts, a name ("zeros"); null when absent.
    /// </summary>
    internal static Initializer? Initializer(this ConfigReader reader, string key)
    {
        if (!reader.TryGet(key, out var node)) return null;
        string owner = $"{reader.Owner}.{key}";
        return node switch
        {
            JsonObject obj => Initializers.FromConfig(obj, owner),
            JsonValue value when value.GetValueKind() == JsonValueKind.String => ByName(owner, value.GetValue<string>(), Initializers.Get),
            _ => throw reader.Invalid(key, node, "an initializer: {\"class_name\": ..., \"config\": {...}} or a name such as \"zeros\""),
        };
    }

    /// <summary>The regularizer saved under <paramref name="key"/>: its object, a name ("l2"), or null (none); null when absent.</summary>
    internal static Regularizer? Regularizer(this ConfigReader reader, string key)
    {
        if (!reader.TryGet(key, out var node) || node is null) return null;
        string owner = $"{reader.Owner}.{key}";
        return node switch
        {
            JsonObject obj => DeepSharp.Regularizer.FromConfig(obj, owner),
            JsonValue value when value.GetValueKind() == JsonValueKind.String => ByName(owner, value.GetValue<string>(), DeepSharp.Regularizer.Get),
            _ => throw reader.Invalid(key, node, "a regularizer: {\"class_name\": ..., \"config\": {...}}, a name such as \"l2\", or null"),
        };
    }

    /// <summary>A (height, width) pair saved as [h, w] or one integer; null when absent.</summary>
    internal static Size2D? Size(this ConfigReader reader, string key)
    {
        if (!reader.TryGet(key, out var node)) return null;
        const string Expected = "an integer or a pair [height, width] of integers";
        return node switch
        {
            JsonArray { Count: 2 } => reader.IntArray(key, node) is [int h, int w] ? new Size2D(h, w) : throw reader.Invalid(key, node, Expected),
            JsonValue => reader.Value<int>(key, node),
            _ => throw reader.Invalid(key, node, Expected),
        };
    }

    /// <summary>A (height, width) pair that may be absent or null (a transposed convolution's output padding).</summary>
    internal static Size2D? NullableSize(this ConfigReader reader, string key) =>
        reader.TryGet(key, out var node) && node is not null ? reader.Size(key) : null;

    /// <summary>A length of a 1-D layer saved as [n], as Keras saves its tuples, or as one integer; null when absent.</summary>
    internal static int? Length(this ConfigReader reader, string key)
    {
        if (!reader.TryGet(key, out var node) || node is null) return null;
        return node switch
        {
            JsonArray { Count: 1 } a => reader.Value<int>(key, a[0]),
            JsonValue v => reader.Value<int>(key, v),
            _ => throw reader.Invalid(key, node, "an integer or a list of one integer"),
        };
    }

    /// <summary>A pair saved as [a, b], or one integer for both; null when absent.</summary>
    internal static (int First, int Second)? Pair(this ConfigReader reader, string key)
    {
        if (!reader.TryGet(key, out var node) || node is null) return null;
        return node switch
        {
            JsonArray { Count: 2 } a => (reader.Value<int>(key, a[0]), reader.Value<int>(key, a[1])),
            JsonValue v => (reader.Value<int>(key, v), reader.Value<int>(key, v)),
            _ => throw reader.Invalid(key, node, "an integer or a pair of integers"),
        };
    }

    /// <summary>A (height, width) pair that must be there.</summary>
    internal static Size2D RequiredSize(this ConfigReader reader, string key) =>
        reader.Size(key) ?? throw reader.Missing(key);

    /// <summary>The layer saved under <paramref name="key"/> (a wrapped layer), recreated through the registry.</summary>
    internal static Layer Layer(this ConfigReader reader, string key) =>
        LayerRegistry.Create(reader.Object(key) ?? throw reader.Missing(key));

    private static T ByName<T>(string owner, string name, Func<string, T> get)
    {
        try
        {
            return get(name);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{owner}: {e.Message}", e);
        }
    }
}

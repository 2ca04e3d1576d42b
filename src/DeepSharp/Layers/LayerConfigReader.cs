using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Reads the arguments layers take from their saved configuration: activations, initializers, regularizers,
/// (height, width) pairs and wrapped layers. A value that is absent reads as null, so the layer's constructor
/// applies its own default: each default is written once, in the constructor.
/// </summary>
internal static class LayerConfigReader
{
    /// <summary>The activation saved under <paramref name="key"/>: a name, or a leaky ReLU with its slope; null when absent.</summary>
    internal static ActivationFunction? Activation(this ConfigReader reader, string key = "activation") => reader.Json[key] switch
    {
        null => null,
        JsonValue value => Activations.Get(value.GetValue<string>()),
        JsonObject obj when obj["class_name"]?.GetValue<string>() == "leaky_relu" =>
            Activations.LeakyReluWith(obj["config"]?["negative_slope"]?.GetValue<float>() ?? 0.2f),
        JsonObject obj when obj["class_name"]?.GetValue<string>() is { } name &&
                            CustomObjects.TryCreate<ActivationFunction>(name, obj["config"] as JsonObject ?? [], out var custom) => custom,
        var other => throw reader.Invalid(key, other.ToJsonString()),
    };

    /// <summary>The initializer saved under <paramref name="key"/>, or null when absent.</summary>
    internal static Initializer? Initializer(this ConfigReader reader, string key) =>
        reader.Object(key) is { } node ? Initializers.FromConfig(node, $"{reader.Owner}.{key}") : null;

    /// <summary>The regularizer saved under <paramref name="key"/>, or null when absent.</summary>
    internal static Regularizer? Regularizer(this ConfigReader reader, string key) =>
        reader.Object(key) is { } node ? DeepSharp.Regularizer.FromConfig(node, $"{reader.Owner}.{key}") : null;

    /// <summary>A (height, width) pair saved as [h, w] or one integer; null when absent.</summary>
    internal static Size2D? Size(this ConfigReader reader, string key) => reader.Json[key] switch
    {
        null => null,
        JsonArray { Count: 2 } a => new Size2D(a[0]!.GetValue<int>(), a[1]!.GetValue<int>()),
        JsonValue v => v.GetValue<int>(),
        var node => throw new FormatException(
            $"{reader.Name ?? "layer"}: the saved value of '{key}' ({node.ToJsonString()}) is not an integer or a pair of integers."),
    };

    /// <summary>A (height, width) pair that must be there.</summary>
    internal static Size2D RequiredSize(this ConfigReader reader, string key) =>
        reader.Size(key) ?? throw new FormatException($"The saved layer '{reader.Name}' has no '{key}'.");

    /// <summary>The layer saved under <paramref name="key"/> (a wrapped layer), recreated through the registry.</summary>
    internal static Layer Layer(this ConfigReader reader, string key) =>
        LayerRegistry.Create(reader.Object(key) ?? throw reader.Missing(key));

    /// <summary>A reader for an image layer's configuration, refusing layouts other than channels-last.</summary>
    internal static ConfigReader ImageLayer(JsonObject config, string owner)
    {
        var format = config["data_format"]?.GetValue<string>();
        if (format is not null && format != "channels_last")
            throw new FormatException($"{owner}: data_format '{format}' is not supported; DeepSharp's image layers are channels_last (NHWC).");
        return new ConfigReader(config, owner);
    }
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Reads the Keras-style JSON that <c>GetConfig</c> writes back into objects: typed fields with messages that
/// name the layer and the field when a saved file is damaged, and the argument objects layers take.
/// </summary>
internal readonly struct ConfigReader(JsonObject config, string owner)
{
    /// <summary>The raw configuration.</summary>
    public JsonObject Json => config;

    public string? Name => OptionalString("name");

    public T Required<T>(string key) =>
        config[key] is JsonNode node ? Get<T>(node, key) : throw Missing(key);

    public T Optional<T>(string key, T fallback) =>
        config[key] is JsonNode node ? Get<T>(node, key) : fallback;

    public string? OptionalString(string key) => config[key] is JsonNode node ? Get<string?>(node, key) : null;

    public TensorShape? InputShape => config["input_shape"] is JsonNode node ? (TensorShape?)Layer.ShapeFromJson(node) : null;

    public int[] IntArray(string key) =>
        config[key] is JsonArray array ? array.Select(n => n!.GetValue<int>()).ToArray() : throw Missing(key);

    public ActivationFunction Activation(string key = "activation") => config[key] switch
    {
        null => Activations.Linear,
        JsonValue value => Activations.Get(value.GetValue<string>()),
        JsonObject obj when obj["class_name"]?.GetValue<string>() == "leaky_relu" =>
            Activations.LeakyReluWith(obj["config"]?["negative_slope"]?.GetValue<float>() ?? 0.2f),
        var other => throw Invalid(key, other.ToJsonString()),
    };

    public Initializer Initializer(string key, Initializer fallback) =>
        config[key] is JsonObject obj ? ConfigObjects.Initializer(obj, $"{owner}.{key}") : fallback;

    public Regularizer? Regularizer(string key) =>
        config[key] is JsonObject obj ? ConfigObjects.Regularizer(obj, $"{owner}.{key}") : null;

    private T Get<T>(JsonNode node, string key)
    {
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw Invalid(key, node.ToJsonString(), typeof(T).Name);
        }
    }

    private FormatException Missing(string key) => new($"{owner}: the saved configuration has no '{key}'.");

    private FormatException Invalid(string key, string value, string? expected = null) =>
        new($"{owner}: the saved value of '{key}' ({value}) is not valid{(expected is null ? "" : $"; expected {expected}")}.");
}

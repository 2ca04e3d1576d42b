using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Reads the typed fields of a Keras-style JSON configuration, with messages that name the owner (a layer,
/// an optimizer) and the field when a saved file is damaged. Plain JSON only: the readers of activations,
/// initializers and layers build on it where those are known.
/// </summary>
internal readonly struct ConfigReader
{
    private readonly JsonObject config;
    private readonly string owner;

    /// <summary>A reader of <paramref name="config"/>, which belongs to <paramref name="owner"/>.</summary>
    public ConfigReader(JsonObject config, string owner)
    {
        ArgumentNullException.ThrowIfNull(config);
        this.config = config;
        this.owner = owner;
    }

    /// <summary>The raw configuration.</summary>
    public JsonObject Json => config;

    /// <summary>Who the configuration belongs to, for messages ("Dense").</summary>
    public string Owner => owner;

    /// <summary>The saved "name", if any.</summary>
    public string? Name => OptionalString("name");

    /// <summary>Whether the configuration has a (non-null) value for <paramref name="key"/>.</summary>
    public bool Has(string key) => config[key] is not null;

    public T Required<T>(string key) =>
        config[key] is JsonNode node ? Get<T>(node, key) : throw Missing(key);

    public T Optional<T>(string key, T fallback) =>
        config[key] is JsonNode node ? Get<T>(node, key) : fallback;

    /// <summary>A value that may be absent or null (a seed): null then.</summary>
    public T? Nullable<T>(string key) where T : struct =>
        config[key] is JsonNode node ? (T?)Get<T>(node, key) : null;

    public string? OptionalString(string key) => config[key] is JsonNode node ? Get<string>(node, key) : null;

    /// <summary>The saved per-sample "input_shape", if any.</summary>
    public TensorShape? InputShape => config["input_shape"] is JsonNode node ? (TensorShape?)ShapeJson.Read(node) : null;

    public int[] IntArray(string key) =>
        config[key] is JsonArray array ? array.Select(n => n!.GetValue<int>()).ToArray() : throw Missing(key);

    /// <summary>A nested object (an initializer, a wrapped layer), or null when absent.</summary>
    public JsonObject? Object(string key) => config[key] as JsonObject;

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

    public FormatException Missing(string key) => new($"{owner}: the saved configuration has no '{key}'.");

    public FormatException Invalid(string key, string value, string? expected = null) =>
        new($"{owner}: the saved value of '{key}' ({value}) is not valid{(expected is null ? "" : $"; expected {expected}")}.");
}

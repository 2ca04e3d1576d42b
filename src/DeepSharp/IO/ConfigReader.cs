using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Reads the typed fields of a Keras-style JSON configuration strictly: every value must have the JSON type
/// the field takes (a string is not a number, null is not an object), and <see cref="Finish"/> refuses the
/// keys nobody asked for, as Keras' <c>from_config</c> refuses unexpected arguments. Messages name the owner
/// (a layer, an optimizer), the key, what was expected and what was found.
/// </summary>
/// <remarks>
/// A key that is absent takes the default its reader gives (the constructor's, as in Keras); a key that is
/// present must hold a valid value. JSON null is accepted only where the writer writes null (a seed, an
/// absent regularizer): <see cref="Nullable{T}"/>, <see cref="NullableObject"/>.
/// </remarks>
internal sealed class ConfigReader
{
    private readonly JsonObject config;
    private readonly List<string> asked = [];

    /// <summary>A reader of <paramref name="config"/>, which belongs to <paramref name="owner"/> ("Dense").</summary>
    public ConfigReader(JsonObject config, string owner)
    {
        ArgumentNullException.ThrowIfNull(config);
        this.config = config;
        Owner = config.TryGetPropertyValue("name", out var name) && name is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? $"{owner} '{Trim(value.GetValue<string>())}'"
            : owner;
    }

    /// <summary>The raw configuration (reading it here marks nothing as read).</summary>
    public JsonObject Json => config;

    /// <summary>Who the configuration belongs to, for messages: "Dense 'dense_1'".</summary>
    public string Owner { get; }

    /// <summary>The saved "name", if any.</summary>
    public string? Name => OptionalString("name");

    /// <summary>Whether <paramref name="key"/> is present (null counts as present); marks it as read.</summary>
    public bool Has(string key)
    {
        Ask(key);
        return config.ContainsKey(key);
    }

    /// <summary>The raw value of <paramref name="key"/> for readers of special forms; marks it as read.</summary>
    /// <returns>Whether the key is present; <paramref name="node"/> is null for JSON null.</returns>
    public bool TryGet(string key, out JsonNode? node)
    {
        Ask(key);
        return config.TryGetPropertyValue(key, out node);
    }

    /// <summary>Marks keys that are read elsewhere (the registry reads "trainable") as known.</summary>
    public void Known(params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys) Ask(key);
    }

    /// <summary>A value that must be present and of type <typeparamref name="T"/>.</summary>
    public T Required<T>(string key) =>
        TryGet(key, out var node) ? Value<T>(key, node) : throw Missing(key);

    /// <summary>A value of type <typeparamref name="T"/>, or <paramref name="fallback"/> when the key is absent (null is refused).</summary>
    public T Optional<T>(string key, T fallback) =>
        TryGet(key, out var node) ? Value<T>(key, node) : fallback;

    /// <summary>A value that may be absent or null (a seed): null then.</summary>
    public T? Nullable<T>(string key) where T : struct =>
        TryGet(key, out var node) && node is not null ? Value<T>(key, node) : null;

    /// <summary>A string, or null when the key is absent (null is refused).</summary>
    public string? OptionalString(string key) => TryGet(key, out var node) ? Value<string>(key, node) : null;

    /// <summary>The saved per-sample "input_shape", if any (null dimensions are unknown).</summary>
    public PartialShape? InputShape => TryGet("input_shape", out var node) ? PartialShape("input_shape", node) : (PartialShape?)null;

    /// <summary>An array of integers that must be present.</summary>
    public int[] IntArray(string key)
    {
        if (!TryGet(key, out var node)) throw Missing(key);
        return IntArray(key, node);
    }

    /// <summary>A nested object (an initializer, a wrapped layer), or null when absent; null and other types are refused.</summary>
    public JsonObject? Object(string key) => TryGet(key, out var node) ? node as JsonObject ?? throw Invalid(key, node, "an object") : null;

    /// <summary>A nested object that may be absent or null (a regularizer): null then.</summary>
    public JsonObject? NullableObject(string key) =>
        TryGet(key, out var node) && node is not null ? node as JsonObject ?? throw Invalid(key, node, "an object or null") : null;

    /// <summary>A per-sample shape: an array of non-negative integers.</summary>
    public TensorShape Shape(string key, JsonNode? node)
    {
        var dims = IntArray(key, node);
        if (dims.Length > TensorShape.MaxRank) throw Invalid(key, node, $"a shape of at most {TensorShape.MaxRank} dimensions");
        foreach (int d in dims)
            if (d < 0) throw Invalid(key, node, "a shape of non-negative integers");
        return new TensorShape(dims);
    }

    /// <summary>A per-sample shape in which a dimension may be unknown: an array of non-negative integers and nulls.</summary>
    public PartialShape PartialShape(string key, JsonNode? node)
    {
        if (node is not JsonArray array) throw Invalid(key, node, "an array of integers or null (non-negative sizes, null where unknown)");
        if (array.Count > TensorShape.MaxRank) throw Invalid(key, node, $"a shape of at most {TensorShape.MaxRank} dimensions");
        var dims = new int?[array.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (array[i] is null) continue;
            dims[i] = array[i] is JsonValue item && Kind(item) == JsonValueKind.Number && item.TryGetValue(out int v) && v >= 0
                ? v
                : throw Invalid(key, node, "an array of integers or null (non-negative sizes, null where unknown)");
        }
        return new PartialShape(dims);
    }

    /// <summary>An array of integers.</summary>
    public int[] IntArray(string key, JsonNode? node)
    {
        if (node is not JsonArray array) throw Invalid(key, node, "an array of integers");
        var values = new int[array.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = array[i] is JsonValue item && Kind(item) == JsonValueKind.Number && item.TryGetValue(out int v)
                ? v
                : throw Invalid(key, node, "an array of integers");
        return values;
    }

    /// <summary>Refuses the keys no reader asked for, then returns <paramref name="result"/>.</summary>
    public T Finish<T>(T result)
    {
        foreach (var (key, _) in config)
        {
            if (!asked.Contains(key))
                throw new FormatException(
                    $"{Owner}: unknown key '{Trim(key)}' in the saved configuration; it takes {(asked.Count == 0 ? "no keys" : string.Join(", ", asked))}.");
        }
        return result;
    }

    /// <summary><paramref name="node"/> read as <typeparamref name="T"/> (int, long, float, double, bool, string), strictly.</summary>
    public T Value<T>(string key, JsonNode? node)
    {
        var expected = typeof(T) == typeof(string) ? JsonValueKind.String
            : typeof(T) == typeof(bool) ? JsonValueKind.True
            : JsonValueKind.Number;
        if (node is JsonValue value)
        {
            var kind = Kind(value);
            if (kind == expected || (expected == JsonValueKind.True && kind == JsonValueKind.False))
            {
                if (value.TryGetValue(out T? result) && result is not null && IsFinite(result)) return result;
                if (typeof(T) == typeof(float) && value.TryGetValue(out double wide) && double.IsFinite(wide) && float.IsFinite((float)wide))
                    return (T)(object)(float)wide;
            }
        }
        throw Invalid(key, node, Describe(typeof(T)));
    }

    public FormatException Missing(string key) => new($"{Owner}: the saved configuration has no '{key}'.");

    public FormatException Invalid(string key, JsonNode? node, string expected) =>
        new($"{Owner}: the saved value of '{key}' is {Found(node)}; expected {expected}.");

    public FormatException Invalid(string key, string value, string? expected = null) =>
        new($"{Owner}: the saved value of '{key}' ({Trim(value)}) is not valid{(expected is null ? "" : $"; expected {expected}")}.");

    /// <summary>What a node is, for messages: "null", "the string \"relu\"", "the number 1.5", "an array [...]".</summary>
    internal static string Found(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => $"an array {Trim(node.ToJsonString())}",
        JsonObject => $"an object {Trim(node.ToJsonString())}",
        JsonValue v => Kind(v) switch
        {
            JsonValueKind.String => $"the string {Trim(v.ToJsonString())}",
            JsonValueKind.Number => $"the number {Trim(v.ToJsonString())}",
            _ => $"the boolean {v.ToJsonString()}",
        },
        _ => Trim(node.ToJsonString()),
    };

    private static JsonValueKind Kind(JsonValue value) => value.GetValueKind();

    private void Ask(string key)
    {
        if (!asked.Contains(key)) asked.Add(key);
    }

    private static bool IsFinite<T>(T value) => value switch
    {
        float f => float.IsFinite(f),
        double d => double.IsFinite(d),
        _ => true,
    };

    private static string Describe(Type type) =>
        type == typeof(int) ? $"an integer from {int.MinValue} to {int.MaxValue}"
        : type == typeof(long) ? "an integer"
        : type == typeof(float) ? "a finite number (float32)"
        : type == typeof(double) ? "a finite number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string) ? "a string"
        : type.Name;

    /// <summary>Long values and keys are cut in messages: a damaged file may hold megabytes in one place.</summary>
    private static string Trim(string text) => text.Length <= 80 ? text : text[..77] + "...";
}

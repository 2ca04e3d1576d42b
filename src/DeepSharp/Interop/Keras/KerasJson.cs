using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Typed access to the JSON Keras writes, with messages that say where a value sits ("layer 'dense' (Dense):
/// 'units'") when a file holds something else. Every failure is a <see cref="FormatException"/>, which the
/// readers turn into an <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal static class KerasJson
{
    /// <summary>Parses <paramref name="text"/> as a JSON object.</summary>
    internal static JsonObject ParseObject(string text, string what)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
                ?? throw new FormatException($"{what} is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{what} is not valid JSON: {e.Message}", e);
        }
    }

    internal static JsonObject Object(JsonNode? node, string what) =>
        node as JsonObject ?? throw new FormatException($"{what} must be a JSON object; found {Show(node)}.");

    internal static JsonArray Array(JsonNode? node, string what) =>
        node as JsonArray ?? throw new FormatException($"{what} must be a JSON array; found {Show(node)}.");

    internal static string String(JsonNode? node, string what) =>
        node is JsonValue value && value.TryGetValue(out string? s) ? s : throw new FormatException($"{what} must be a string; found {Show(node)}.");

    internal static bool Bool(JsonNode? node, string what) =>
        node is JsonValue value && value.TryGetValue(out bool b) ? b : throw new FormatException($"{what} must be true or false; found {Show(node)}.");

    internal static int Int(JsonNode? node, string what)
    {
        if (node is JsonValue value)
        {
            if (value.TryGetValue(out int i)) return i;
            // Python writes integral floats as 3.0 in a few places; take them only when exact.
            if (value.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue) return (int)d;
        }
        throw new FormatException($"{what} must be an integer; found {Show(node)}.");
    }

    internal static long Long(JsonNode? node, string what) =>
        node is JsonValue value && value.TryGetValue(out long l) ? l : throw new FormatException($"{what} must be an integer; found {Show(node)}.");

    /// <summary>Whether <paramref name="node"/> is absent or JSON null.</summary>
    internal static bool IsNull(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null;

    /// <summary>
    /// Reads the keys every Keras layer and model has: <c>name</c> (already taken), <c>trainable</c> (copied into
    /// <paramref name="ours"/>) and <c>dtype</c> (float32 only). Returns whether <paramref name="key"/> was one of them.
    /// </summary>
    internal static bool ReadShared(string key, JsonNode? value, JsonObject ours, string owner)
    {
        switch (key)
        {
            case "name":
                return true;
            case "trainable":
                ours["trainable"] = Bool(value, $"{owner}: 'trainable'");
                return true;
            case "dtype":
                KerasObjects.CheckDtype(value, owner);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A short rendering of a value for messages (long values cut).</summary>
    internal static string Show(JsonNode? node)
    {
        if (node is null) return "nothing";
        string text = node.ToJsonString();
        return text.Length <= 120 ? text : text[..117] + "...";
    }

    /// <summary>A copy of <paramref name="node"/> to place in another tree.</summary>
    internal static JsonNode? Copy(JsonNode? node) => node?.DeepClone();
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Numbers in JSON that read back bit for bit (a checkpoint's running sums, its history): finite doubles as JSON
/// numbers (System.Text.Json writes the shortest text that round-trips), NaN and infinities as the strings "NaN",
/// "Infinity" and "-Infinity", which JSON numbers cannot hold; 64-bit words as hex strings, which JSON readers that
/// use doubles would round.
/// </summary>
internal static class ExactJson
{
    internal static JsonNode Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    internal static JsonArray Numbers(IEnumerable<double> values) => new(values.Select(v => (JsonNode?)Number(v)).ToArray());

    /// <summary>The double <see cref="Number"/> wrote; <paramref name="what"/> names it in the message of a <see cref="FormatException"/>.</summary>
    internal static double ReadNumber(JsonNode? node, string what)
    {
        if (node is JsonValue value)
        {
            if (value.TryGetValue(out double number)) return number;
            if (value.TryGetValue(out string? text) && text is "NaN" or "Infinity" or "-Infinity")
                return double.Parse(text, CultureInfo.InvariantCulture);
        }
        throw new FormatException($"{what} must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"); found {Show(node)}.");
    }

    internal static double[] ReadNumbers(JsonNode? node, string what) => node is JsonArray array
        ? array.Select((n, i) => ReadNumber(n, $"{what}[{i}]")).ToArray()
        : throw new FormatException($"{what} must be an array of numbers; found {Show(node)}.");

    internal static long ReadInteger(JsonNode? node, string what, long min = 0, long max = long.MaxValue)
    {
        if (node is JsonValue value && value.TryGetValue(out long number) && number >= min && number <= max) return number;
        throw new FormatException($"{what} must be an integer in [{min}, {max}]; found {Show(node)}.");
    }

    internal static string ReadString(JsonNode? node, string what) =>
        node is JsonValue value && value.TryGetValue(out string? text) ? text : throw new FormatException($"{what} must be a string; found {Show(node)}.");

    internal static bool ReadBoolean(JsonNode? node, string what) =>
        node is JsonValue value && value.TryGetValue(out bool flag) ? flag : throw new FormatException($"{what} must be true or false; found {Show(node)}.");

    internal static JsonObject ReadObject(JsonNode? node, string what) =>
        node as JsonObject ?? throw new FormatException($"{what} must be an object; found {Show(node)}.");

    internal static JsonArray ReadArray(JsonNode? node, string what) =>
        node as JsonArray ?? throw new FormatException($"{what} must be an array; found {Show(node)}.");

    private static string Show(JsonNode? node)
    {
        if (node is null) return "nothing";
        string text = node.ToJsonString();
        return text.Length > 60 ? text[..60] + "..." : text;
    }
}

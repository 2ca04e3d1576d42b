using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// Every place of a JSON document, and edits at a place: replace its value, rename, delete or add a key. Places
/// are paths of object keys and array indices from the root, so an edit applies to a fresh copy of the document.
/// </summary>
internal static class JsonEdits
{
    /// <summary>Values of every JSON type, and numbers and strings at the edges, that replace a value.</summary>
    public static readonly string[] Replacements =
    [
        "null", "true", "0", "-1", "2147483647", "-2147483648", "4294967296", "0.5", "1e300",
        "\"\"", "\"relu\"", "[]", "[1]", "[null]", "{}", "{\"class_name\": \"L2\", \"config\": {}}",
    ];

    /// <summary>The paths of every value in <paramref name="root"/> (the root's is empty).</summary>
    public static List<object[]> Values(JsonNode? root)
    {
        var paths = new List<object[]>();
        void Walk(JsonNode? node, List<object> path)
        {
            paths.Add([.. path]);
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, child) in obj)
                    {
                        path.Add(key);
                        Walk(child, path);
                        path.RemoveAt(path.Count - 1);
                    }
                    break;
                case JsonArray array:
                    for (int i = 0; i < array.Count; i++)
                    {
                        path.Add(i);
                        Walk(array[i], path);
                        path.RemoveAt(path.Count - 1);
                    }
                    break;
            }
        }
        Walk(root, []);
        return paths;
    }

    /// <summary>The paths of every object member (a key and its object).</summary>
    public static List<object[]> Keys(JsonNode? root) => Values(root).Where(p => p.Length > 0 && p[^1] is string).ToList();

    /// <summary>The paths of every object.</summary>
    public static List<object[]> Objects(JsonNode? root) => Values(root).Where(p => At(root, p) is JsonObject).ToList();

    public static JsonNode? At(JsonNode? root, object[] path)
    {
        var node = root;
        foreach (var step in path) node = step is string key ? node![key] : node![(int)step];
        return node;
    }

    /// <summary>A copy of <paramref name="root"/> with the value at <paramref name="path"/> replaced.</summary>
    public static JsonNode? Replace(JsonNode? root, object[] path, JsonNode? value)
    {
        if (path.Length == 0) return value;
        var copy = root!.DeepClone();
        var parent = At(copy, path[..^1])!;
        if (path[^1] is string key) parent[key] = value;
        else parent[(int)path[^1]] = value;
        return copy;
    }

    /// <summary>A copy with the key at <paramref name="path"/> renamed (its value kept) or, when <paramref name="newName"/> is null, deleted.</summary>
    public static JsonNode? Rename(JsonNode? root, object[] path, string? newName)
    {
        var copy = root!.DeepClone();
        var parent = (JsonObject)At(copy, path[..^1])!;
        var key = (string)path[^1];
        var members = parent.ToList();
        parent.Clear();
        foreach (var (name, value) in members)
        {
            if (name != key) parent[name] = value;
            else if (newName is not null) parent[newName] = value;
        }
        return copy;
    }

    /// <summary>A copy with an unexpected key added to the object at <paramref name="path"/>.</summary>
    public static JsonNode? AddKey(JsonNode? root, object[] path, string key)
    {
        var copy = root!.DeepClone();
        ((JsonObject)At(copy, path)!)[key] = 1;
        return copy;
    }

    /// <summary>The JSON type of a value, booleans as one.</summary>
    public static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null => JsonValueKind.Null,
        JsonValueKind.False => JsonValueKind.True,
        var kind => kind.Value,
    };

    public static string Format(object[] path) => path.Length == 0 ? "(root)" : string.Concat(path.Select(p => p is string s ? $".{s}" : $"[{p}]"));
}

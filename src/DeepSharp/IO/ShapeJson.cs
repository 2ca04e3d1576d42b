using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>A per-sample shape as Keras configurations write it: a JSON array of integers.</summary>
internal static class ShapeJson
{
    internal static JsonArray Write(TensorShape shape) => new(shape.ToArray().Select(d => (JsonNode?)d).ToArray());

    internal static TensorShape Read(JsonNode? node) =>
        node is JsonArray array ? new TensorShape(array.Select(n => n!.GetValue<int>()).ToArray()) : throw new FormatException("A shape must be a JSON array of integers.");
}

using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>A per-sample shape as Keras configurations write it: a JSON array of integers (read back by <see cref="ConfigReader.Shape"/>).</summary>
internal static class ShapeJson
{
    internal static JsonArray Write(TensorShape shape) => new(shape.ToArray().Select(d => (JsonNode?)d).ToArray());
}

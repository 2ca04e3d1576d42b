using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>A per-sample shape as Keras configurations write it: a JSON array of integers (read back by <see cref="ConfigReader.Shape"/> or <see cref="ConfigReader.PartialShape"/>).</summary>
internal static class ShapeJson
{
    internal static JsonArray Write(TensorShape shape) => new(shape.ToArray().Select(d => (JsonNode?)d).ToArray());

    /// <summary>A shape with unknown dimensions written as null, as Keras writes None.</summary>
    internal static JsonArray Write(PartialShape shape) => new(shape.ToArray().Select(d => d is { } size ? (JsonNode?)size : null).ToArray());
}

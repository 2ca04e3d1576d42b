using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Writes, as Keras saves them, the objects layers take as arguments (activations, initializers, regularizers).</summary>
internal static class LayerConfigWriter
{
    internal static JsonNode Activation(ActivationFunction activation) =>
        activation.Config is null
            ? JsonValue.Create(activation.Name)
            : new JsonObject { ["class_name"] = activation.Name, ["config"] = activation.Config.DeepClone() };

    internal static JsonNode Initializer(Initializer initializer) =>
        new JsonObject { ["class_name"] = initializer.GetType().Name, ["config"] = initializer.GetConfig() };

    internal static JsonNode? Regularizer(Regularizer? regularizer) =>
        regularizer is null ? null : new JsonObject { ["class_name"] = regularizer.GetType().Name, ["config"] = regularizer.GetConfig() };
}

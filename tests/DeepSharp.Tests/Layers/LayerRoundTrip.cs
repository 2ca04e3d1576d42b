using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

/// <summary>Saves a layer's configuration and recreates it through the registry, as Model.Load does.</summary>
internal static class LayerRoundTrip
{
    /// <summary>The recreated layer, after checking that its configuration is the original's.</summary>
    public static T Of<T>(T layer) where T : Layer
    {
        var saved = new JsonObject { ["class_name"] = layer.ClassName, ["config"] = layer.GetConfig() };
        var text = saved.ToJsonString();
        var loaded = LayerRegistry.Create((JsonObject)JsonNode.Parse(text)!);
        var copy = Assert.IsType<T>(loaded);
        Assert.Equal(layer.GetConfig().ToJsonString(), copy.GetConfig().ToJsonString());
        return copy;
    }
}

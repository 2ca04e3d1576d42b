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

    /// <summary>
    /// Saves <paramref name="model"/> to a .dsm file, loads it back and checks that it predicts the same values on
    /// <paramref name="x"/> with the same configuration; returns the loaded model.
    /// </summary>
    public static Model Saved(Model model, Tensor x)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-roundtrip-{Guid.NewGuid():N}.dsm");
        try
        {
            var expected = model.Predict(x).ToArray();
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
            Assert.Equal(expected, loaded.Predict(x).ToArray());
            return loaded;
        }
        finally
        {
            File.Delete(path);
        }
    }
}

namespace DeepSharp.Tests.Interop;

/// <summary>
/// The checks that both writers refuse a layer they have no form for by name (its class and its layer name) instead of
/// writing something else, shared by the layer families that have no ONNX export and no Keras file form yet.
/// </summary>
internal static class UnwrittenLayerAssert
{
    /// <summary>ONNX export of <paramref name="model"/> fails naming the one layer it cannot write.</summary>
    public static void OnnxRefuses(Model model, string className, string layerName)
    {
        var e = Assert.Throws<OnnxExportException>(() => DeepSharp.Onnx.Export(model));
        var refused = Assert.Single(e.Layers);
        Assert.Equal(className, refused.ClassName);
        Assert.Equal(layerName, refused.LayerName);
        Assert.Contains($"no ONNX form for {className}", refused.Reason, StringComparison.Ordinal);
    }

    /// <summary>Saving <paramref name="model"/> as a .keras file fails naming the layer, and leaves no file.</summary>
    public static void KerasRefuses(Model model, string className, string layerName)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}.keras");
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => model.SaveKeras(path));
            Assert.Contains($"'{layerName}' ({className}) has no Keras form", e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

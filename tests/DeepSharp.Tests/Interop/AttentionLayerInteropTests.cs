namespace DeepSharp.Tests.Interop;

/// <summary>
/// Attention, AdditiveAttention and MultiHeadAttention have no ONNX export and no Keras file form yet: both writers
/// refuse them by name instead of writing something else.
/// </summary>
public class AttentionLayerInteropTests
{
    public static TheoryData<string> Layers => [nameof(Attention), nameof(AdditiveAttention), nameof(MultiHeadAttention)];

    private static Model ModelWith(string className)
    {
        var query = new Input([3, 4]);
        var value = new Input([5, 4]);
        MergeLayer layer = className switch
        {
            nameof(Attention) => new Attention(name: "att"),
            nameof(AdditiveAttention) => new AdditiveAttention(name: "att"),
            _ => new MultiHeadAttention(2, 2, name: "att"),
        };
        return new Model([query, value], [new Dense(2).Call(layer.Call([query, value]))]);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Onnx_export_refuses_them_by_name(string className)
    {
        var e = Assert.Throws<OnnxExportException>(() => DeepSharp.Onnx.Export(ModelWith(className)));
        var refused = Assert.Single(e.Layers);
        Assert.Equal(className, refused.ClassName);
        Assert.Equal("att", refused.LayerName);
        Assert.Contains($"no ONNX form for {className}", refused.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Keras_files_refuse_them_by_name(string className)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}.keras");
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => ModelWith(className).SaveKeras(path));
            Assert.Contains($"'att' ({className}) has no Keras form", e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

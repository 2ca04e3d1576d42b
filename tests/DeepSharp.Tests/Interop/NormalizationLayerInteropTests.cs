namespace DeepSharp.Tests.Interop;

/// <summary>
/// LayerNormalization, GroupNormalization and UnitNormalization have no ONNX export and no Keras file form yet:
/// both writers refuse them by name instead of writing something else.
/// </summary>
public class NormalizationLayerInteropTests
{
    public static TheoryData<string> Layers => [nameof(LayerNormalization), nameof(GroupNormalization), nameof(UnitNormalization)];

    private static Sequential ModelWith(string className) => new(new Dense(4, inputShape: [3]), className switch
    {
        nameof(LayerNormalization) => new LayerNormalization(name: "norm"),
        nameof(GroupNormalization) => new GroupNormalization(groups: 2, name: "norm"),
        _ => new UnitNormalization(name: "norm"),
    });

    [Theory]
    [MemberData(nameof(Layers))]
    public void Onnx_export_refuses_them_by_name(string className)
    {
        var e = Assert.Throws<OnnxExportException>(() => DeepSharp.Onnx.Export(ModelWith(className)));
        var refused = Assert.Single(e.Layers);
        Assert.Equal(className, refused.ClassName);
        Assert.Equal("norm", refused.LayerName);
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
            Assert.Contains($"'norm' ({className}) has no Keras form", e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

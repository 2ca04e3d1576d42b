using DeepSharp.Examples;

namespace DeepSharp.Tests.Interop;

/// <summary>
/// The vit example's model (patches, PositionEmbedding, MultiHeadAttention and LayerNormalization blocks, the mean over
/// the patches) has no ONNX export and no Keras file form yet: both writers refuse it, naming each layer and saying it
/// is not supported.
/// </summary>
public class TransformerLayerInteropTests
{
    [Fact]
    public void Onnx_export_of_the_vit_lists_every_layer_it_cannot_write()
    {
        var model = SeedModels.Vit(10, blocks: 1, features: 8);

        var e = Assert.Throws<OnnxExportException>(() => DeepSharp.Onnx.Export(model));

        // One block: position embedding, two layer normalizations and the attention, then the final normalization and the
        // mean over the patches (only the 2-D global poolings are exported).
        Assert.Equal(["PositionEmbedding", "LayerNormalization", "MultiHeadAttention", "LayerNormalization", "LayerNormalization", "GlobalAveragePooling1D"],
            e.Layers.Select(l => l.ClassName));
        Assert.All(e.Layers, l => Assert.Contains($"no ONNX form for {l.ClassName} layers: exporting them is not supported", l.Reason, StringComparison.Ordinal));
        Assert.All(e.Layers, l => Assert.Contains($"{l.ClassName} '{l.LayerName}'", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Keras_files_refuse_a_position_embedding_by_name()
    {
        var tokens = new Input([4, 3]);
        var model = new Model(tokens.Output, new Add().Call([tokens.Output, new PositionEmbedding(4, name: "pos").Call(tokens.Output)]));
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}.keras");
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => model.SaveKeras(path));
            Assert.Contains("'pos' (PositionEmbedding) has no Keras form: writing PositionEmbedding layers to Keras files is not supported", e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

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
    public void Onnx_export_refuses_them_by_name(string className) => UnwrittenLayerAssert.OnnxRefuses(ModelWith(className), className, "att");

    [Theory]
    [MemberData(nameof(Layers))]
    public void Keras_files_refuse_them_by_name(string className) => UnwrittenLayerAssert.KerasRefuses(ModelWith(className), className, "att");
}

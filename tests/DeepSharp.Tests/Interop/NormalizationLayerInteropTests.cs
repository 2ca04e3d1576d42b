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
    public void Onnx_export_refuses_them_by_name(string className) => UnwrittenLayerAssert.OnnxRefuses(ModelWith(className), className, "norm");

    [Theory]
    [MemberData(nameof(Layers))]
    public void Keras_files_refuse_them_by_name(string className) => UnwrittenLayerAssert.KerasRefuses(ModelWith(className), className, "norm");
}

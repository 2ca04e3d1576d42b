using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// The element types of a node's outputs from its inputs' types, as ONNX's operator definitions give them:
/// most ops keep their input's type; comparisons give bool; Shape, Size, ArgMax and indices give int64; Cast
/// gives the type it names. The importer needs them to keep integer results whole.
/// </summary>
internal static class OnnxTypeInference
{
    /// <summary>The type of each of <paramref name="node"/>'s outputs.</summary>
    public static DataType[] Infer(OnnxGraphNode node, DataType[] inputs, IReadOnlyDictionary<string, DataType> declared)
    {
        var first = inputs.FirstOrDefault(t => t != DataType.Undefined);
        if (first == DataType.Undefined) first = DataType.Float;
        var result = new DataType[node.Outputs.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = declared.TryGetValue(node.Outputs[i], out var known) ? known : Rule(node, inputs, first, i);
        }
        return result;
    }

    private static DataType Rule(OnnxGraphNode node, DataType[] inputs, DataType first, int output) => node.OpType switch
    {
        "Shape" or "Size" or "ArgMax" or "ArgMin" or "NonZero" => DataType.Int64,
        "Equal" or "Greater" or "Less" or "GreaterOrEqual" or "LessOrEqual" or "Not" or "And" or "Or" or "Xor" or "IsNaN" or "IsInf" => DataType.Bool,
        "Cast" => (DataType)node.Attributes.Int("to", (long)DataType.Float),
        "CastLike" => inputs.Length > 1 ? inputs[1] : first,
        "Where" => inputs.Length > 1 ? inputs[1] : first,
        "Range" => first,
        "ConstantOfShape" => node.Attributes.Tensor("value")?.Type ?? DataType.Float,
        "Constant" => ConstantType(node),
        "Dropout" when output == 1 => DataType.Bool,
        "MaxPool" when output == 1 => DataType.Int64,
        _ => first,
    };

    private static DataType ConstantType(OnnxGraphNode node)
    {
        var a = node.Attributes;
        if (a.Tensor("value") is { } t) return t.Type;
        return a.Has("value_int") || a.Has("value_ints") ? DataType.Int64 : DataType.Float;
    }
}

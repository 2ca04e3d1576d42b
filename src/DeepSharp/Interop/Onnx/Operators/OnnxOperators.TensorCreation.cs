using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

// Ops that make tensors from attributes or from shapes (Constant, ConstantOfShape, Shape, Size, Range), and
// casts. Their results need no gradient: they are computed on the host.
internal static partial class OnnxOperators
{
    private static void AddTensorCreation(Action<string, int, OnnxConverter> add)
    {
        add("Constant", 1, node =>
        {
            var value = ConstantValue(node);
            return _ => [value.ToTensor()];
        });
        add("ConstantOfShape", 9, node =>
        {
            var value = node.Attributes.Tensor("value");
            node.Require(value is null || value.Values.Length == 1, "ConstantOfShape's value must hold one element");
            float fill = value?.Values[0] ?? 0f;
            return One(x => Tensor.Full(new TensorShape(OnnxValues.Shape(OnnxValues.Longs(x.Required(0, "ConstantOfShape")), "ConstantOfShape")), fill));
        });
        add("Shape", 1, node =>
        {
            long? start = node.Attributes.Has("start") ? node.Attributes.Int("start", 0) : null;
            long? end = node.Attributes.Has("end") ? node.Attributes.Int("end", 0) : null;
            return One(x =>
            {
                var dims = x.Required(0, "Shape").Shape.ToArray();
                int rank = dims.Length;
                int from = (int)Math.Clamp(start is { } s ? (s < 0 ? s + rank : s) : 0, 0, rank);
                int to = (int)Math.Clamp(end is { } e ? (e < 0 ? e + rank : e) : rank, from, rank);
                return OnnxValues.Constant(dims[from..to].Select(d => (float)d).ToArray(), to - from);
            });
        });
        add("Size", 1, node => One(x => Tensor.Scalar(x.Required(0, "Size").Size)));
        add("Range", 11, node => One(x =>
        {
            float start = OnnxValues.Scalar(x.Required(0, "Range"), "Range's start");
            float limit = OnnxValues.Scalar(x.Required(1, "Range"), "Range's limit");
            float delta = OnnxValues.Scalar(x.Required(2, "Range"), "Range's delta");
            if (delta == 0f) throw new ArgumentException("Range: delta is 0.");
            long count = (long)Math.Max(Math.Ceiling((limit - start) / (double)delta), 0);
            var values = new float[OnnxValues.Shape([count], "Range")[0]];
            for (int i = 0; i < values.Length; i++) values[i] = start + i * delta;
            return OnnxValues.Constant(values, values.Length);
        }));
        add("Cast", 1, node =>
        {
            var to = node.OutputTypes[0];
            node.Require(OnnxDataTypes.IsSupported(to), $"Cast to {OnnxDataTypes.Name(to)} is not supported");
            return One(x => OnnxValues.CastTo(x.Required(0, "Cast"), to));
        });
        add("CastLike", 15, node =>
        {
            var to = node.OutputTypes[0];
            node.Require(OnnxDataTypes.IsSupported(to), $"CastLike to {OnnxDataTypes.Name(to)} is not supported");
            return One(x => OnnxValues.CastTo(x.Required(0, "CastLike"), to));
        });
    }

    /// <summary>The value of a Constant node: a tensor, or (opset 12) one of the value_* shorthands.</summary>
    public static OnnxConstant ConstantValue(OnnxNodeContext node)
    {
        var a = node.Attributes;
        if (a.Tensor("value") is { } tensor) return tensor;
        if (a.Has("value_float")) return new OnnxConstant([a.Float("value_float", 0f)], [], DataType.Float);
        if (a.Has("value_int")) return new OnnxConstant([a.Int("value_int", 0)], [], DataType.Int64);
        if (a.Floats("value_floats") is { } floats) return new OnnxConstant(floats, [floats.Length], DataType.Float);
        if (a.Ints("value_ints") is { } ints) return new OnnxConstant(ints.Select(i => (float)i).ToArray(), [ints.Length], DataType.Int64);
        throw node.Unsupported($"Constant with {string.Join(", ", a.Names.DefaultIfEmpty("no value"))} is not supported (a tensor, value_float(s) and value_int(s) are)");
    }
}

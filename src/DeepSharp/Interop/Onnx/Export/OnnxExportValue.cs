using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// A tensor of the model being exported as the ONNX graph holds it: the ONNX value's name, the tensor's
/// per-sample shape in DeepSharp, and how the ONNX value is laid out against the tensor — ONNX's value is
/// <c>tensor.permute(Layout)</c>, batch axis included (null: the tensor as it is; [0, 3, 1, 2]: an NHWC image
/// held as NCHW; [1, 0, 2]: a sequence held time-major) — and its element type (float unless an imported node
/// made integers).
/// </summary>
internal sealed record OnnxExportValue(string Name, TensorShape Shape, int[]? Layout, DataType Type = DataType.Float)
{
    /// <summary>The rank of the batched tensor.</summary>
    public int Rank => Shape.Rank + 1;

    /// <summary>The ONNX axis that holds the tensor's axis <paramref name="axis"/> (negative counts from the end).</summary>
    public int OnnxAxis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (Layout is null) return a;
        return Array.IndexOf(Layout, a);
    }

    /// <summary>Whether <paramref name="layout"/> is the layout this value has.</summary>
    public bool HasLayout(int[]? layout) => OnnxExportLayouts.Same(Layout, layout);
}

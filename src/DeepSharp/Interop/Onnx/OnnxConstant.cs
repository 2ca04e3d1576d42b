using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// A tensor of an ONNX file (an initializer, a Constant node's value, a folded result) as DeepSharp holds it:
/// float32 values, the shape, and the element type ONNX gave it (integers stay whole numbers).
/// </summary>
internal sealed class OnnxConstant(float[] values, int[] shape, DataType type)
{
    /// <summary>The values in row-major order.</summary>
    public float[] Values { get; } = values;

    /// <summary>The dimensions (empty for a scalar).</summary>
    public int[] Shape { get; } = shape;

    /// <summary>The ONNX element type.</summary>
    public DataType Type { get; } = type;

    /// <summary>Whether every value is zero (initial states that PyTorch spells out).</summary>
    public bool IsAllZero => Array.TrueForAll(Values, v => v == 0f);

    /// <summary>A new tensor with these values, outside any <see cref="TensorScope"/>.</summary>
    public Tensor ToTensor()
    {
        using var unscoped = TensorScope.Suspend();
        return OnnxValues.FromArray(Values, Shape);
    }

    /// <summary>The values of a tensor (any shape), as a constant of <paramref name="type"/>.</summary>
    public static OnnxConstant From(Tensor tensor, DataType type) => new(tensor.ToArray(), tensor.Shape.ToArray(), type);
}

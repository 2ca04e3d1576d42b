using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// What the kernels share: reading the small integer tensors ONNX passes as inputs (shapes, axes, pads) and
/// making tensors whose size such a tensor gives, within a limit.
/// </summary>
internal static class OnnxValues
{
    [ThreadStatic] private static int t_importLimit;

    /// <summary>
    /// While importing, kernels run on a file's constants (folding) and on probe batches; a tensor whose size
    /// comes from a file's numbers is then held to <paramref name="maxElements"/>, so that a hostile file cannot
    /// make the importer allocate gigabytes. Dispose the result to lift the limit.
    /// </summary>
    public static ImportLimit LimitSizes(int maxElements)
    {
        int previous = t_importLimit;
        t_importLimit = maxElements;
        return new ImportLimit(previous);
    }

    /// <summary>Restores the previous limit.</summary>
    public readonly struct ImportLimit(int previous) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => t_importLimit = previous;
    }

    /// <summary>The values of a (small) tensor as 64-bit integers.</summary>
    public static long[] Longs(Tensor t)
    {
        var values = t.ToArray();
        var result = new long[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = OnnxDataTypes.ToLong(values[i]);
        return result;
    }

    /// <summary>The single value of a tensor of one element.</summary>
    public static float Scalar(Tensor t, string what)
    {
        if (t.Size != 1) throw new ArgumentException($"{what} must hold one value; it has shape {t.Shape}.");
        return t.ToArray()[0];
    }

    /// <summary>An axis in [-rank, rank) made non-negative, or an exception naming the op.</summary>
    public static int Axis(long axis, int rank, string op)
    {
        if (axis < -rank || axis >= rank)
            throw new ArgumentException($"{op}: axis {axis} is out of range for a tensor of rank {rank} (valid: {-rank} to {rank - 1}).");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>
    /// A shape read from an ONNX tensor, checked: dimensions non-negative and the element count within the
    /// limit in force (every element of it is about to be allocated).
    /// </summary>
    public static int[] Shape(ReadOnlySpan<long> dims, string op)
    {
        if (dims.Length > TensorShape.MaxRank)
            throw new ArgumentException($"{op}: rank {dims.Length} is more than DeepSharp's tensors have ({TensorShape.MaxRank}).");
        long limit = t_importLimit > 0 ? t_importLimit : OnnxTensorReader.MaxElements;
        var shape = new int[dims.Length];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (dims[i] < 0) throw new ArgumentException($"{op}: dimension {i} of the requested shape is {dims[i]}.");
            count *= Math.Min(dims[i], limit + 1);
            if (count > limit) throw new ArgumentException($"{op}: the requested shape [{string.Join(", ", dims.ToArray())}] has more than {limit} elements.");
            shape[i] = (int)dims[i];
        }
        return shape;
    }

    /// <summary>A tensor of the given values (not recorded: constants need no gradient).</summary>
    public static Tensor Constant(float[] values, params int[] shape) => FromArray(values, shape);

    /// <summary><see cref="Tensor.FromArray(float[], ReadOnlySpan{int})"/>, with an empty shape meaning a scalar (ONNX's rank 0).</summary>
    public static Tensor FromArray(float[] values, ReadOnlySpan<int> shape) =>
        shape.Length == 0 ? Tensor.Scalar(values.Length == 1 ? values[0] : throw new ArgumentException($"a scalar holds one value; {values.Length} were given.")) : Tensor.FromArray(values, shape);

    /// <summary>
    /// <paramref name="x"/> with <paramref name="map"/> applied to every value on the host: for the ops whose
    /// derivative is zero wherever it exists (floor, rounding, casts to integers), so nothing is recorded.
    /// </summary>
    public static Tensor Map(Tensor x, Func<float, float> map)
    {
        var values = x.ToArray();
        for (int i = 0; i < values.Length; i++) values[i] = map(values[i]);
        return FromArray(values, x.Shape.Dims);
    }

    /// <summary><paramref name="x"/> as a tensor of <paramref name="type"/>: integers truncated and wrapped as ONNX does, float16 rounded.</summary>
    public static Tensor CastTo(Tensor x, DataType type)
    {
        if (OnnxDataTypes.IsInteger(type)) return Map(x, v => OnnxDataTypes.ToInteger(v, type));
        if (type == DataType.Float16) return Map(x, v => (float)(Half)v);
        if (type == DataType.Bfloat16) return Map(x, v => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) + 0x7FFF + ((BitConverter.SingleToInt32Bits(v) >> 16) & 1) & unchecked((int)0xFFFF0000)));
        return x;
    }

    /// <summary>The input at <paramref name="index"/>, which the node must have.</summary>
    public static Tensor Required(this Tensor?[] inputs, int index, string op) =>
        index < inputs.Length && inputs[index] is { } t ? t : throw new ArgumentException($"{op}: input {index} is required.");

    /// <summary>The input at <paramref name="index"/>, or null when absent.</summary>
    public static Tensor? Optional(this Tensor?[] inputs, int index) => index < inputs.Length ? inputs[index] : null;
}

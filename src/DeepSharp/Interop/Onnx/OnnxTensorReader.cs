using System.Buffers.Binary;
using DeepSharp.Interop.Onnx.Proto;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// Reads an ONNX <c>TensorProto</c> into float32 values, checking every number of the header against the data
/// before anything is allocated: the dimensions must be non-negative, their product must fit, and the data
/// (raw bytes or a typed list) must hold exactly that many elements.
/// </summary>
internal static class OnnxTensorReader
{
    /// <summary>The most elements one tensor of a file may have (DeepSharp's tensors count elements in an int).</summary>
    public const int MaxElements = int.MaxValue / 2;

    /// <summary>Reads <paramref name="tensor"/>; <paramref name="what"/> names it in messages.</summary>
    public static OnnxConstant Read(TensorProto tensor, string what)
    {
        var type = (DataType)tensor.DataType;
        if (!OnnxDataTypes.IsSupported(type))
            throw new OnnxUnsupportedException([new OnnxUnsupportedNode("tensor", what, $"its element type {OnnxDataTypes.Name(type)} is not one DeepSharp holds")]);
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new OnnxUnsupportedException([new OnnxUnsupportedNode("tensor", what, "its data is stored in an external file, which the importer does not read")]);
        if (tensor.Segment is not null)
            throw new InvalidDataException($"{what}: segmented tensors are not supported.");
        var shape = Shape(tensor.Dims, what);
        int count = Count(shape, what);
        var values = new float[0];
        if (!tensor.RawData.IsEmpty)
        {
            int size = OnnxDataTypes.ElementSize(type);
            if (tensor.RawData.Length != (long)count * size)
                throw new InvalidDataException($"{what}: {OnnxDataTypes.Name(type)} tensor of shape [{string.Join(", ", shape)}] needs {(long)count * size} bytes of raw data; it has {tensor.RawData.Length}.");
            values = new float[count];
            Decode(tensor.RawData.Span, type, values);
            return new OnnxConstant(values, shape, type);
        }
        int stored = TypedCount(tensor, type);
        if (stored != count)
            throw new InvalidDataException($"{what}: {OnnxDataTypes.Name(type)} tensor of shape [{string.Join(", ", shape)}] needs {count} values; it holds {stored}.");
        values = new float[count];
        for (int i = 0; i < count; i++) values[i] = TypedValue(tensor, type, i);
        return new OnnxConstant(values, shape, type);
    }

    /// <summary>The dimensions as ints, refusing negative ones and ranks DeepSharp's tensors cannot have.</summary>
    public static int[] Shape(IReadOnlyList<long> dims, string what)
    {
        if (dims.Count > TensorShape.MaxRank)
            throw new InvalidDataException($"{what}: rank {dims.Count} is more than DeepSharp's tensors have ({TensorShape.MaxRank}).");
        var shape = new int[dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > MaxElements)
                throw new InvalidDataException($"{what}: dimension {i} is {dims[i]}; dimensions must be between 0 and {MaxElements}.");
            shape[i] = (int)dims[i];
        }
        return shape;
    }

    /// <summary>The number of elements of <paramref name="shape"/>, refusing products beyond <see cref="MaxElements"/>.</summary>
    public static int Count(ReadOnlySpan<int> shape, string what)
    {
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count > MaxElements)
                throw new InvalidDataException($"{what}: shape [{string.Join(", ", shape.ToArray())}] has more than {MaxElements} elements.");
        }
        return (int)count;
    }

    private static void Decode(ReadOnlySpan<byte> raw, DataType type, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = type switch
            {
                DataType.Float => BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]),
                DataType.Double => (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]),
                DataType.Float16 => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..])),
                DataType.Bfloat16 => BFloat16(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..])),
                DataType.Int8 => (sbyte)raw[i],
                DataType.Uint8 => raw[i],
                DataType.Bool => raw[i] != 0 ? 1f : 0f,
                DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]),
                DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]),
                DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]),
                DataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(raw[(4 * i)..]),
                DataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]),
                DataType.Uint64 => BinaryPrimitives.ReadUInt64LittleEndian(raw[(8 * i)..]),
                _ => throw new InvalidDataException($"element type {OnnxDataTypes.Name(type)} has no raw form."),
            };
        }
    }

    /// <summary>How many values the typed list that ONNX uses for <paramref name="type"/> holds.</summary>
    private static int TypedCount(TensorProto t, DataType type) => type switch
    {
        DataType.Float => t.FloatData.Count,
        DataType.Double => t.DoubleData.Count,
        DataType.Int64 => t.Int64Data.Count,
        DataType.Uint32 or DataType.Uint64 => t.Uint64Data.Count,
        _ => t.Int32Data.Count, // int8/16/32, uint8/16, bool, and the bits of float16/bfloat16
    };

    private static float TypedValue(TensorProto t, DataType type, int i) => type switch
    {
        DataType.Float => t.FloatData[i],
        DataType.Double => (float)t.DoubleData[i],
        DataType.Int64 => t.Int64Data[i],
        DataType.Uint32 or DataType.Uint64 => t.Uint64Data[i],
        DataType.Float16 => (float)BitConverter.UInt16BitsToHalf((ushort)t.Int32Data[i]),
        DataType.Bfloat16 => BFloat16((ushort)t.Int32Data[i]),
        DataType.Bool => t.Int32Data[i] != 0 ? 1f : 0f,
        _ => t.Int32Data[i],
    };

    private static float BFloat16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}

using System.Buffers.Binary;
using Google.Protobuf;
using DeepSharp.Interop.Onnx.Proto;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// Writes values DeepSharp holds as float32 into an ONNX <c>TensorProto</c> of a given element type, as raw
/// little-endian bytes (the form exporters write and every reader accepts): the reverse of
/// <see cref="OnnxTensorReader"/>.
/// </summary>
internal static class OnnxTensorWriter
{
    /// <summary>A tensor named <paramref name="name"/> of <paramref name="dims"/> holding <paramref name="values"/> as <paramref name="type"/>.</summary>
    public static TensorProto Write(string name, ReadOnlySpan<float> values, ReadOnlySpan<int> dims, DataType type)
    {
        long count = 1;
        foreach (int d in dims) count *= d;
        if (count != values.Length)
            throw new ArgumentException($"ONNX tensor '{name}': shape [{string.Join(", ", dims.ToArray())}] needs {count} values; got {values.Length}.");
        int size = OnnxDataTypes.ElementSize(type);
        if (size == 0) throw new NotSupportedException($"ONNX tensor '{name}': element type {OnnxDataTypes.Name(type)} cannot be written.");
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++) Encode(values[i], type, bytes.AsSpan(i * size, size));
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        foreach (int d in dims) tensor.Dims.Add(d);
        return tensor;
    }

    /// <summary>A 64-bit integer tensor (shapes, axes, pads) of <paramref name="dims"/>.</summary>
    public static TensorProto Write(string name, ReadOnlySpan<long> values, ReadOnlySpan<int> dims)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int64, RawData = ByteString.CopyFrom(bytes) };
        foreach (int d in dims) tensor.Dims.Add(d);
        return tensor;
    }

    private static void Encode(float value, DataType type, Span<byte> target)
    {
        switch (type)
        {
            case DataType.Float: BinaryPrimitives.WriteSingleLittleEndian(target, value); break;
            case DataType.Double: BinaryPrimitives.WriteDoubleLittleEndian(target, value); break;
            case DataType.Float16: BinaryPrimitives.WriteHalfLittleEndian(target, (Half)value); break;
            case DataType.Bfloat16: BinaryPrimitives.WriteUInt16LittleEndian(target, BFloat16(value)); break;
            case DataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(target, OnnxDataTypes.ToLong(value)); break;
            case DataType.Uint64: BinaryPrimitives.WriteUInt64LittleEndian(target, (ulong)Math.Max(0, OnnxDataTypes.ToLong(value))); break;
            case DataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(target, (int)OnnxDataTypes.ToInteger(value, type)); break;
            case DataType.Uint32: BinaryPrimitives.WriteUInt32LittleEndian(target, (uint)OnnxDataTypes.ToInteger(value, type)); break;
            case DataType.Int16: BinaryPrimitives.WriteInt16LittleEndian(target, (short)OnnxDataTypes.ToInteger(value, type)); break;
            case DataType.Uint16: BinaryPrimitives.WriteUInt16LittleEndian(target, (ushort)OnnxDataTypes.ToInteger(value, type)); break;
            case DataType.Int8: target[0] = (byte)(sbyte)OnnxDataTypes.ToInteger(value, type); break;
            case DataType.Uint8: target[0] = (byte)OnnxDataTypes.ToInteger(value, type); break;
            case DataType.Bool: target[0] = value != 0f ? (byte)1 : (byte)0; break;
            default: throw new NotSupportedException($"element type {OnnxDataTypes.Name(type)} cannot be written.");
        }
    }

    /// <summary>The bfloat16 nearest to <paramref name="value"/> (ties to even), NaN kept a NaN.</summary>
    private static ushort BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}

using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// ONNX's element types as DeepSharp holds them: every numeric and boolean type is stored as float32 (exact
/// for integers up to 2^24, which covers shapes, indices and class labels); strings and complex numbers are
/// not tensors DeepSharp can hold.
/// </summary>
internal static class OnnxDataTypes
{
    /// <summary>Whether DeepSharp can hold tensors of this type.</summary>
    public static bool IsSupported(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16
        or DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64
        or DataType.Uint8 or DataType.Uint16 or DataType.Uint32 or DataType.Uint64 or DataType.Bool;

    /// <summary>Whether values of this type are whole numbers (integers and booleans).</summary>
    public static bool IsInteger(DataType type) => type is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64
        or DataType.Uint8 or DataType.Uint16 or DataType.Uint32 or DataType.Uint64 or DataType.Bool;

    /// <summary>Whether values of this type are floating point.</summary>
    public static bool IsFloat(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;

    /// <summary>Bytes per element in <c>raw_data</c>, or 0 for types without a fixed size.</summary>
    public static int ElementSize(DataType type) => type switch
    {
        DataType.Int8 or DataType.Uint8 or DataType.Bool => 1,
        DataType.Int16 or DataType.Uint16 or DataType.Float16 or DataType.Bfloat16 => 2,
        DataType.Float or DataType.Int32 or DataType.Uint32 => 4,
        DataType.Double or DataType.Int64 or DataType.Uint64 => 8,
        _ => 0,
    };

    /// <summary>ONNX's name of the type ("FLOAT", "INT64"), for messages and saved configurations.</summary>
    public static string Name(DataType type) => type switch
    {
        DataType.Float => "FLOAT", DataType.Double => "DOUBLE", DataType.Float16 => "FLOAT16", DataType.Bfloat16 => "BFLOAT16",
        DataType.Int8 => "INT8", DataType.Int16 => "INT16", DataType.Int32 => "INT32", DataType.Int64 => "INT64",
        DataType.Uint8 => "UINT8", DataType.Uint16 => "UINT16", DataType.Uint32 => "UINT32", DataType.Uint64 => "UINT64",
        DataType.Bool => "BOOL", DataType.String => "STRING", DataType.Complex64 => "COMPLEX64", DataType.Complex128 => "COMPLEX128",
        _ => $"type {(int)type}",
    };

    /// <summary>The type <see cref="Name"/> names; throws <see cref="FormatException"/> for another name.</summary>
    public static DataType Parse(string name)
    {
        foreach (DataType type in Enum.GetValues<DataType>())
            if (Name(type) == name) return type;
        throw new FormatException($"'{name}' is not an ONNX element type.");
    }

    /// <summary>
    /// Makes <paramref name="value"/> a value of an integer <paramref name="type"/> as ONNX computes it: truncated
    /// toward zero, wrapped around for the fixed-width types (uint8 200 + 100 is 44), 0 or 1 for bool.
    /// </summary>
    public static float ToInteger(float value, DataType type)
    {
        if (float.IsNaN(value)) return 0f;
        double v = Math.Truncate(value);
        return type switch
        {
            DataType.Bool => v != 0 ? 1f : 0f,
            DataType.Uint8 => Wrap(v, 256, 0),
            DataType.Int8 => Wrap(v, 256, -128),
            DataType.Uint16 => Wrap(v, 65536, 0),
            DataType.Int16 => Wrap(v, 65536, -32768),
            DataType.Uint32 => Wrap(v, 4294967296.0, 0),
            DataType.Int32 => Wrap(v, 4294967296.0, -2147483648.0),
            _ => (float)v,
        };
    }

    private static float Wrap(double v, double range, double low)
    {
        double r = (v - low) % range;
        if (r < 0) r += range;
        return (float)(r + low);
    }

    /// <summary>
    /// A float holding an ONNX integer as a 64-bit index: clamped to the range of long, so that ONNX's "to the
    /// end" sentinels (INT64_MAX, INT64_MIN, stored as ±9.2e18) stay huge instead of overflowing.
    /// </summary>
    public static long ToLong(float value)
    {
        if (float.IsNaN(value)) throw new InvalidDataException("an index or size is NaN.");
        if (value >= 9.2e18f) return long.MaxValue;
        if (value <= -9.2e18f) return long.MinValue;
        return (long)value;
    }
}

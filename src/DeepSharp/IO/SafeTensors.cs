using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace DeepSharp;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face's safe, simple tensor file, readable from PyTorch,
/// JAX and most frameworks): an 8-byte little-endian header length, a JSON header mapping each tensor's name
/// to its dtype, shape and byte range, an optional <c>__metadata__</c> map of strings, then the raw
/// little-endian data of the tensors back to back.
/// </summary>
/// <remarks>
/// DeepSharp writes F32. It reads F32, and converts F16, BF16 and F64 to float32; other dtypes are refused
/// with a message that names them. Every header is validated before any data is read: a file that is
/// truncated, padded with stray bytes, or whose byte ranges overlap, leave gaps or disagree with the shapes
/// is rejected with an <see cref="InvalidDataException"/> that names the file and the problem.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted, as in the reference implementation: beyond it a file is corrupt.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> (in the order given) and optional <paramref name="metadata"/> to
    /// <paramref name="path"/> as float32 safetensors, atomically: an existing file is replaced only by a complete one.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, or a tensor is disposed.</exception>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<(string Name, Tensor Tensor)>(tensors);
        var header = BuildHeader(entries, metadata);
        AtomicFile.Write(path, stream => WriteFile(stream, header, entries));
    }

    /// <inheritdoc cref="Save(string, IEnumerable{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<(string Name, Tensor Tensor)>();
        foreach (var (name, tensor) in tensors) entries.Add((name, tensor));
        var header = BuildHeader(entries, metadata);
        AtomicFile.Write(path, stream => WriteFile(stream, header, entries));
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (in the order given) and optional <paramref name="metadata"/> as float32
    /// safetensors to <paramref name="stream"/> (at its current position), for files in memory or sent elsewhere.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, or a tensor is disposed.</exception>
    public static void Save(Stream stream, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<(string Name, Tensor Tensor)>(tensors);
        WriteFile(stream, BuildHeader(entries, metadata), entries);
    }

    /// <summary>
    /// Reads a safetensors file. The tensors come back in the order their data lies in the file (the order they
    /// were saved in, for files DeepSharp wrote), as float32, named after their keys, and belong to no
    /// <see cref="TensorScope"/> (dispose the result, or let the garbage collector free them).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or holds a dtype DeepSharp does not read.</exception>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"SafeTensors file '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load(stream, path);
    }

    /// <summary>
    /// Reads safetensors from <paramref name="stream"/>, from its start to its end (a file in memory, bytes received
    /// from elsewhere), as <see cref="Load(string)"/> reads a file; <paramref name="name"/> names it in messages.
    /// </summary>
    /// <exception cref="ArgumentException">The stream cannot seek (its length must be known).</exception>
    /// <exception cref="InvalidDataException">The bytes are not valid safetensors, or hold a dtype DeepSharp does not read.</exception>
    public static SafeTensorsFile Load(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!stream.CanSeek || !stream.CanRead)
            throw new ArgumentException("SafeTensors.Load: the stream must be readable and seekable (its length bounds every size in the header).", nameof(stream));
        string path = name;
        stream.Position = 0;
        long fileLength = stream.Length;

        if (fileLength < 8)
            throw Invalid(path, $"truncated: the file has {fileLength} bytes, but a safetensors file starts with an 8-byte header length.");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw Invalid(path, $"the header length field says {headerLength} bytes, more than the {MaxHeaderBytes} the format allows: this is not a safetensors file, or it is corrupt.");
        if ((long)headerLength > fileLength - 8)
            throw Invalid(path, $"truncated: the header length field says {headerLength} bytes of JSON header, but only {fileLength - 8} bytes follow it.");

        var headerBytes = new byte[(int)headerLength];
        stream.ReadExactly(headerBytes);
        var (entries, metadata) = ParseHeader(headerBytes, path);
        long dataLength = fileLength - 8 - (long)headerLength;
        CheckLayout(entries, dataLength, path);
        foreach (var entry in entries)
        {
            if (entry.DType is not ("F32" or "F16" or "BF16" or "F64"))
                throw Invalid(path, $"tensor '{entry.Name}' has dtype {entry.DType}; DeepSharp reads F32, F16, BF16 and F64 (converted to float32).");
        }

        var tensors = new OrderedDictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        using var unscoped = TensorScope.Suspend(); // loaded weights outlive any step
        try
        {
            foreach (var entry in entries)
            {
                var tensor = Tensor.Uninitialized(new TensorShape(entry.Shape));
                tensors.Add(entry.Name, tensor);
                tensor.Name = entry.Name;
                ReadData(stream, entry, tensor.Span, path);
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
        return new SafeTensorsFile(path, tensors, metadata);
    }

    // ---- Writing -------------------------------------------------------------------------------------------

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes as the reference writer does.</summary>
    private static byte[] BuildHeader(List<(string Name, Tensor Tensor)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < entries.Count; i++)
        {
            var (name, tensor) = entries[i];
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException($"SafeTensors.Save: tensor {i} has an empty name.", "tensors");
            if (name == MetadataKey)
                throw new ArgumentException($"SafeTensors.Save: '{MetadataKey}' is reserved for the metadata map and cannot name a tensor.", "tensors");
            if (!names.Add(name))
                throw new ArgumentException($"SafeTensors.Save: the name '{name}' is used by more than one tensor.", "tensors");
            if (tensor is null || tensor.IsDisposed)
                throw new ArgumentException($"SafeTensors.Save: tensor '{name}' is {(tensor is null ? "null" : "disposed")}.", "tensors");
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    if (key is null || value is null)
                        throw new ArgumentException("SafeTensors.Save: metadata keys and values must not be null.", nameof(metadata));
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in entries)
            {
                long end = offset + (long)tensor.Size * sizeof(float);
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dim in tensor.Shape.Dims) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8;
        var header = new byte[buffer.WrittenCount + padding];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteFile(Stream stream, byte[] header, List<(string Name, Tensor Tensor)> entries)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var (_, tensor) in entries)
        {
            if (tensor.IsContiguous && BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes<float>(tensor.Span));
                continue;
            }
            float[] copy = ArrayPool<float>.Shared.Rent(tensor.Size);
            try
            {
                var values = copy.AsSpan(0, tensor.Size);
                tensor.CopyTo(values);
                if (!BitConverter.IsLittleEndian)
                {
                    var bits = MemoryMarshal.Cast<float, int>(values);
                    BinaryPrimitives.ReverseEndianness(bits, bits);
                }
                stream.Write(MemoryMarshal.AsBytes(values));
            }
            finally
            {
                ArrayPool<float>.Shared.Return(copy);
            }
        }
    }

    // ---- Reading -------------------------------------------------------------------------------------------

    private sealed record Entry(string Name, string DType, int ElementBytes, int[] Shape, ulong Begin, ulong End);

    private static (List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata) ParseHeader(byte[] header, string path)
    {
        if (!Utf8.IsValid(header)) throw Invalid(path, "the header is not valid UTF-8.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"the header is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid(path, $"the header is a JSON {Kind(root)}, expected an object mapping tensor names to their dtype, shape and data_offsets.");
            var entries = new List<Entry>();
            var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                string name = property.Name;
                if (!names.Add(name)) throw Invalid(path, $"the header lists '{name}' twice.");
                if (name == MetadataKey)
                {
                    ParseMetadata(property.Value, metadata, path);
                    continue;
                }
                entries.Add(ParseEntry(name, property.Value, path));
            }
            return (entries, metadata);
        }
    }

    private static void ParseMetadata(JsonElement value, OrderedDictionary<string, string> metadata, string path)
    {
        if (value.ValueKind == JsonValueKind.Null) return; // the reference reader accepts an absent map written as null
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, $"{MetadataKey} is a JSON {Kind(value)}, expected an object mapping strings to strings.");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Invalid(path, $"{MetadataKey}['{item.Name}'] is a JSON {Kind(item.Value)}, expected a string.");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Invalid(path, $"{MetadataKey} lists '{item.Name}' twice.");
        }
    }

    private static Entry ParseEntry(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, $"tensor '{name}': the entry is a JSON {Kind(value)}, expected an object with dtype, shape and data_offsets.");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Invalid(path, $"tensor '{name}': missing \"dtype\" (a string such as \"F32\").");
        string dtype = dtypeElement.GetString()!;
        int elementBytes = DTypeSize(dtype);
        if (elementBytes == 0)
            throw Invalid(path, $"tensor '{name}': unknown dtype '{dtype}'.");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Invalid(path, $"tensor '{name}': missing \"shape\" (an array of dimensions).");
        int rank = shapeElement.GetArrayLength();
        if (rank > TensorShape.MaxRank)
            throw Invalid(path, $"tensor '{name}': shape has {rank} dimensions; DeepSharp tensors have at most {TensorShape.MaxRank}.");
        var shape = new int[rank];
        int d = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
                throw Invalid(path, $"tensor '{name}': shape {shapeElement.GetRawText()} must hold non-negative integers.");
            if (size > int.MaxValue)
                throw Invalid(path, $"tensor '{name}': dimension {d} is {size}, larger than a tensor dimension can be ({int.MaxValue}).");
            shape[d++] = (int)size;
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2
            || !TryGetOffset(offsetsElement[0], out ulong begin) || !TryGetOffset(offsetsElement[1], out ulong end) || end < begin)
            throw Invalid(path, $"tensor '{name}': \"data_offsets\" must be [begin, end], two non-negative integers with begin <= end; found {(value.TryGetProperty("data_offsets", out var raw) ? raw.GetRawText() : "nothing")}.");

        // The byte count the shape implies must equal the range given; overflow means a corrupt header.
        ulong elements = Array.IndexOf(shape, 0) >= 0 ? 0UL : 1UL;
        for (int i = 0; i < shape.Length && elements != 0; i++)
        {
            elements *= (ulong)shape[i]; // both factors are below 2^31: no overflow
            if (elements > int.MaxValue)
                throw Invalid(path, $"tensor '{name}': shape {TensorShape.Format(shape)} has more elements than a tensor holds ({int.MaxValue}).");
        }
        ulong bytes = elements * (ulong)elementBytes;
        if (end - begin != bytes)
            throw Invalid(path, $"tensor '{name}': shape {TensorShape.Format(shape)} of {dtype} needs {bytes} bytes, but data_offsets [{begin}, {end}] span {end - begin}.");
        return new Entry(name, dtype, elementBytes, shape, begin, end);
    }

    private static bool TryGetOffset(JsonElement element, out ulong offset)
    {
        offset = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetUInt64(out offset);
    }

    /// <summary>Sorts entries by offset and checks they tile the data section exactly: no gap, no overlap, no excess.</summary>
    private static void CheckLayout(List<Entry> entries, long dataLength, string path)
    {
        entries.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        ulong cursor = 0;
        Entry? previous = null;
        foreach (var entry in entries)
        {
            if (entry.Begin < cursor)
                throw Invalid(path, $"tensor '{entry.Name}' (data_offsets [{entry.Begin}, {entry.End}]) overlaps tensor '{previous!.Name}' ([{previous.Begin}, {previous.End}]).");
            if (entry.Begin > cursor)
                throw Invalid(path, $"bytes {cursor} to {entry.Begin} of the data belong to no tensor (a gap before tensor '{entry.Name}', data_offsets [{entry.Begin}, {entry.End}]).");
            cursor = entry.End;
            previous = entry;
        }
        if (cursor > (ulong)dataLength)
            throw Invalid(path, $"truncated: the header says {cursor} bytes of data, the file has {dataLength}.");
        if (cursor < (ulong)dataLength)
            throw Invalid(path, $"{(ulong)dataLength - cursor} trailing bytes after the last tensor: the header says {cursor} bytes of data, the file has {dataLength}.");
    }

    /// <summary>Reads one tensor's bytes (the stream is at its start: the layout is checked) and converts them to float32.</summary>
    private static void ReadData(Stream stream, Entry entry, Span<float> destination, string path)
    {
        if (entry.DType == "F32")
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(destination));
            if (!BitConverter.IsLittleEndian)
            {
                var bits = MemoryMarshal.Cast<float, int>(destination);
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }
            return;
        }
        const int chunkElements = 1 << 16;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(chunkElements * entry.ElementBytes);
        try
        {
            for (int start = 0; start < destination.Length; start += chunkElements)
            {
                int count = Math.Min(chunkElements, destination.Length - start);
                var bytes = buffer.AsSpan(0, count * entry.ElementBytes);
                stream.ReadExactly(bytes);
                var target = destination.Slice(start, count);
                switch (entry.DType)
                {
                    case "F16":
                        for (int i = 0; i < count; i++)
                            target[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                        break;
                    case "BF16":
                        // bfloat16 is the top half of a float32: widening is exact.
                        for (int i = 0; i < count; i++)
                            target[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                        break;
                    default: // F64
                        for (int i = 0; i < count; i++)
                        {
                            double value = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                            float narrowed = (float)value;
                            if (float.IsInfinity(narrowed) && !double.IsInfinity(value))
                                throw Invalid(path, $"tensor '{entry.Name}': element {start + i} is {value}, outside the float32 range.");
                            target[i] = narrowed;
                        }
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Bytes per element of a safetensors dtype; 0 for a name the format does not define.</summary>
    private static int DTypeSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" or "C64" => 8,
        _ => 0,
    };

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static InvalidDataException Invalid(string path, string problem) => new($"SafeTensors '{path}': {problem}");
}

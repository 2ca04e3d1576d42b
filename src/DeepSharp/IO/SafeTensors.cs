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

    /// <summary>
    /// Writes like <see cref="Save(string, IEnumerable{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>
    /// and, when <paramref name="checksum"/>, adds the metadata <c>checksum</c> that readers verify (see <see cref="SafeTensorsChecksum"/>).
    /// </summary>
    internal static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata, bool checksum)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<(string Name, Tensor Tensor)>(tensors);
        var header = BuildHeader(entries, metadata, checksum);
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
    /// <see cref="TensorScope"/> (dispose the result, or let the garbage collector free them). A DeepSharp
    /// <c>checksum</c> in the metadata is verified first.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not valid safetensors, holds a dtype DeepSharp does not read, or does not match its checksum.
    /// </exception>
    public static SafeTensorsFile Load(string path)
    {
        using var reader = SafeTensorsReader.Open(path);
        return ReadAll(reader, path);
    }

    /// <summary>
    /// Reads safetensors from <paramref name="stream"/>, from its start to its end (a file in memory, bytes received
    /// from elsewhere), as <see cref="Load(string)"/> reads a file; <paramref name="name"/> names it in messages.
    /// The stream stays open.
    /// </summary>
    /// <exception cref="ArgumentException">The stream cannot seek (its length must be known).</exception>
    /// <exception cref="InvalidDataException">The bytes are not valid safetensors, hold a dtype DeepSharp does not read, or do not match their checksum.</exception>
    public static SafeTensorsFile Load(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!stream.CanSeek || !stream.CanRead)
            throw new ArgumentException("SafeTensors.Load: the stream must be readable and seekable (its length bounds every size in the header).", nameof(stream));
        using var reader = SafeTensorsReader.Open(stream, name, leaveOpen: true);
        return ReadAll(reader, name);
    }

    private static SafeTensorsFile ReadAll(SafeTensorsReader reader, string path)
    {
        foreach (var entry in reader.Entries)
        {
            if (!SafeTensorsReader.IsReadable(entry.DType))
                throw SafeTensorsReader.Invalid(path, $"tensor '{SafeTensorsReader.Shorten(entry.Name)}' has dtype {entry.DType}; DeepSharp reads F32, F16, BF16 and F64 (converted to float32).");
        }
        reader.VerifyChecksum(strict: false);
        var tensors = new OrderedDictionary<string, Tensor>(reader.Entries.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in reader.Entries)
            {
                var tensor = reader.ReadTensor(entry);
                tensors.Add(entry.Name, tensor);
                tensor.Name = entry.Name;
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
        return new SafeTensorsFile(path, tensors, reader.Metadata);
    }

    // ---- Writing -------------------------------------------------------------------------------------------

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes as the reference writer does.</summary>
    private static byte[] BuildHeader(List<(string Name, Tensor Tensor)> entries, IReadOnlyDictionary<string, string>? metadata, bool checksum = false)
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

        if (checksum) metadata = WithChecksum(entries, metadata);
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

    /// <summary>The metadata with the checksum of the file these entries and this metadata make.</summary>
    private static Dictionary<string, string> WithChecksum(List<(string Name, Tensor Tensor)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var withChecksum = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key is null || value is null)
                throw new ArgumentException("SafeTensors.Save: metadata keys and values must not be null.", nameof(metadata));
            if (key == SafeTensorsChecksum.Key)
                throw new ArgumentException($"SafeTensors.Save: the metadata key '{key}' is reserved for the checksum DeepSharp writes.", nameof(metadata));
            withChecksum.Add(key, value);
        }
        var records = new List<SafeTensorsEntry>(entries.Count);
        ulong offset = 0;
        foreach (var (name, tensor) in entries)
        {
            ulong end = offset + (ulong)tensor.Size * sizeof(float);
            records.Add(new SafeTensorsEntry(name, "F32", sizeof(float), tensor.Shape, offset, end));
            offset = end;
        }
        using var hash = SafeTensorsChecksum.Begin(withChecksum, records);
        foreach (var (_, tensor) in entries) WithLittleEndianBytes(tensor, hash, static (bytes, h) => h.AppendData(bytes));
        withChecksum[SafeTensorsChecksum.Key] = SafeTensorsChecksum.Value(hash);
        return withChecksum;
    }

    private static void WriteFile(Stream stream, byte[] header, List<(string Name, Tensor Tensor)> entries)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var (_, tensor) in entries) WithLittleEndianBytes(tensor, stream, static (bytes, s) => s.Write(bytes));
    }

    /// <summary>Hands <paramref name="tensor"/>'s values, as little-endian float32 bytes, to <paramref name="use"/> (a view or a pooled copy).</summary>
    private static void WithLittleEndianBytes<TState>(Tensor tensor, TState state, ReadOnlySpanAction<byte, TState> use)
    {
        if (tensor.IsContiguous && BitConverter.IsLittleEndian)
        {
            use(MemoryMarshal.AsBytes<float>(tensor.Span), state);
            return;
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
            use(MemoryMarshal.AsBytes(values), state);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(copy);
        }
    }
}

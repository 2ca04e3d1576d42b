using System.Buffers;
using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace DeepSharp;

/// <summary>
/// An open safetensors file whose header has been read and checked, and whose tensors are read one at a time,
/// on request: a caller checks each tensor's shape against what it needs before any memory is allocated for
/// it. What the reader itself allocates is bounded by the header's length (a few times its bytes), never by
/// a number written in it.
/// </summary>
/// <remarks>
/// Every header is validated when the file is opened: a file that is truncated, padded with stray bytes, whose
/// byte ranges overlap, leave gaps or disagree with the shapes, or whose entries hold unknown keys is rejected
/// with an <see cref="InvalidDataException"/> that names the file and the problem.
/// </remarks>
internal sealed class SafeTensorsReader : IDisposable
{
    private const string MetadataKey = "__metadata__";
    private const int ChunkBytes = 1 << 20;

    private readonly Stream stream;
    private readonly bool leaveOpen;
    private readonly SafeTensorsEntry[] entries; // in data order
    private readonly int[] byName;               // indices into entries, sorted by name (ordinal)
    private readonly long dataStart;

    private SafeTensorsReader(string path, Stream stream, bool leaveOpen, SafeTensorsEntry[] entries, int[] byName,
        IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Path = path;
        this.stream = stream;
        this.leaveOpen = leaveOpen;
        this.entries = entries;
        this.byName = byName;
        Metadata = metadata;
        this.dataStart = dataStart;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors, in the order their data lies in the file.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries => entries;

    /// <summary>The number of bytes of the file (header and data).</summary>
    public long FileLength => stream.Length;

    /// <summary>Opens <paramref name="path"/> and checks its header and layout; no tensor data is read yet.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors.</exception>
    public static SafeTensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"SafeTensors file '{path}' does not exist.", path);
        return Open(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), path, leaveOpen: false);
    }

    /// <summary>
    /// Reads the header of the safetensors bytes of <paramref name="stream"/> (from its start to its end; it must
    /// seek) as <see cref="Open(string)"/> does a file's; <paramref name="name"/> names it in messages.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not valid safetensors.</exception>
    public static SafeTensorsReader Open(Stream stream, string name, bool leaveOpen)
    {
        string path = name;
        try
        {
            stream.Position = 0;
            long fileLength = stream.Length;
            if (fileLength < 8)
                throw Invalid(path, $"truncated: the file has {fileLength} bytes, but a safetensors file starts with an 8-byte header length.");
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > SafeTensors.MaxHeaderBytes)
                throw Invalid(path, $"the header length field says {headerLength} bytes, more than the {SafeTensors.MaxHeaderBytes} the format allows: this is not a safetensors file, or it is corrupt.");
            if ((long)headerLength > fileLength - 8)
                throw Invalid(path, $"truncated: the header length field says {headerLength} bytes of JSON header, but only {fileLength - 8} bytes follow it.");

            var header = new byte[(int)headerLength];
            stream.ReadExactly(header);
            var (entries, metadata) = ParseHeader(header, path);
            long dataLength = fileLength - 8 - (long)headerLength;
            CheckLayout(entries, dataLength, path);
            var byName = SortByName(entries, path);
            return new SafeTensorsReader(path, stream, leaveOpen, entries, byName, metadata, 8 + (long)headerLength);
        }
        catch
        {
            if (!leaveOpen) stream.Dispose();
            throw;
        }
    }

    /// <summary>The entry called <paramref name="name"/>, if the file has one.</summary>
    public bool TryFind(string name, out SafeTensorsEntry entry)
    {
        int lo = 0, hi = byName.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int order = string.CompareOrdinal(entries[byName[mid]].Name, name);
            if (order == 0)
            {
                entry = entries[byName[mid]];
                return true;
            }
            if (order < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        entry = default;
        return false;
    }

    /// <summary>Whether the metadata holds a DeepSharp checksum.</summary>
    public bool HasChecksum => Metadata.ContainsKey(SafeTensorsChecksum.Key);

    /// <summary>
    /// Verifies the file's <c>checksum</c> (see <see cref="SafeTensorsChecksum"/>) by reading the whole data
    /// section once; a file without one passes. A value that is not "sha256:" and 64 hex digits is refused when
    /// <paramref name="strict"/> (a DeepSharp file), and left alone otherwise (another tool's key of that name).
    /// </summary>
    /// <exception cref="InvalidDataException">The checksum does not match: the file was damaged or edited after it was written.</exception>
    public void VerifyChecksum(bool strict)
    {
        if (!Metadata.TryGetValue(SafeTensorsChecksum.Key, out var expected)) return;
        bool wellFormed = expected.Length == SafeTensorsChecksum.Prefix.Length + 64 && expected.StartsWith(SafeTensorsChecksum.Prefix, StringComparison.Ordinal)
            && expected.AsSpan(SafeTensorsChecksum.Prefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0;
        if (!wellFormed)
        {
            if (!strict) return;
            throw Invalid(Path, $"the checksum in its metadata is '{Shorten(expected)}', not \"{SafeTensorsChecksum.Prefix}\" followed by 64 lower-case hex digits: the file is damaged.");
        }
        using var hash = SafeTensorsChecksum.Begin(Metadata, entries);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            stream.Position = dataStart;
            int read;
            while ((read = stream.Read(buffer, 0, ChunkBytes)) > 0) hash.AppendData(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        string actual = SafeTensorsChecksum.Value(hash);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(actual), Encoding.ASCII.GetBytes(expected)))
            throw Invalid(Path, $"the checksum does not match: the metadata says {expected}, the content gives {actual}. The file was damaged (or edited) after it was written.");
    }

    /// <summary>
    /// Reads one tensor's data into <paramref name="destination"/> (its element count), converting to float32;
    /// refuses NaN and infinities unless <paramref name="allowNonFinite"/>.
    /// </summary>
    public void Read(in SafeTensorsEntry entry, Span<float> destination, bool allowNonFinite = true)
    {
        if (destination.Length != entry.Count)
            throw new ArgumentException($"SafeTensors '{Path}': tensor '{entry.Name}' has {entry.Count} elements; the destination holds {destination.Length}.", nameof(destination));
        stream.Position = dataStart + (long)entry.Begin;
        ReadData(stream, entry, destination, Path);
        if (!allowNonFinite && !TensorPrimitives.IsFiniteAll<float>(destination))
        {
            int index = 0;
            while (float.IsFinite(destination[index])) index++;
            throw Invalid(Path, $"tensor '{entry.Name}' holds a non-finite value ({destination[index]} at element {index} of shape {entry.Shape}); " +
                "a trained model has finite weights. Pass allowNonFinite: true to load it anyway.");
        }
    }

    /// <summary>A new tensor (in no scope) with the data of <paramref name="entry"/>.</summary>
    public Tensor ReadTensor(in SafeTensorsEntry entry, bool allowNonFinite = true)
    {
        using var unscoped = TensorScope.Suspend();
        var tensor = Tensor.Uninitialized(entry.Shape);
        try
        {
            Read(entry, tensor.Span, allowNonFinite);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!leaveOpen) stream.Dispose();
    }

    // ---- Header ----------------------------------------------------------------------------------------------

    private static (SafeTensorsEntry[] Entries, IReadOnlyDictionary<string, string> Metadata) ParseHeader(byte[] header, string path)
    {
        if (!Utf8.IsValid(header)) throw Invalid(path, "the header is not valid UTF-8.");
        var options = new JsonReaderOptions { MaxDepth = 8 };
        try
        {
            int count = CountTopLevel(header, options, path);
            var entries = new SafeTensorsEntry[count];
            var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            int n = 0;
            bool seenMetadata = false;
            var reader = new Utf8JsonReader(header, options);
            reader.Read(); // the root object (CountTopLevel checked it)
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (name == MetadataKey)
                {
                    if (seenMetadata) throw Invalid(path, $"the header lists '{MetadataKey}' twice.");
                    seenMetadata = true;
                    ParseMetadata(ref reader, metadata, path);
                    continue;
                }
                entries[n++] = ParseEntry(name, ref reader, header, path);
            }
            return (n == entries.Length ? entries : entries[..n], metadata);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"the header is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // A name or string whose escapes do not make valid UTF-16 (a lone surrogate).
            throw Invalid(path, $"the header holds a string that is not valid text: {e.Message}");
        }
    }

    /// <summary>Checks the whole header is one JSON object and counts its members (tensors and metadata), allocating nothing.</summary>
    private static int CountTopLevel(byte[] header, JsonReaderOptions options, string path)
    {
        var reader = new Utf8JsonReader(header, options);
        if (!reader.Read()) throw Invalid(path, "the header is not valid JSON: it is empty.");
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid(path, $"the header is a JSON {Kind(reader.TokenType)}, expected an object mapping tensor names to their dtype, shape and data_offsets.");
        int count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            count++;
            reader.Read();
            reader.Skip();
        }
        if (reader.Read()) throw Invalid(path, "the header is not valid JSON: more follows its object.");
        return count;
    }

    private static void ParseMetadata(ref Utf8JsonReader reader, OrderedDictionary<string, string> metadata, string path)
    {
        if (reader.TokenType == JsonTokenType.Null) return; // the reference reader accepts an absent map written as null
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid(path, $"{MetadataKey} is a JSON {Kind(reader.TokenType)}, expected an object mapping strings to strings.");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Invalid(path, $"{MetadataKey}['{Shorten(key)}'] is a JSON {Kind(reader.TokenType)}, expected a string.");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Invalid(path, $"{MetadataKey} lists '{Shorten(key)}' twice.");
        }
    }

    private static SafeTensorsEntry ParseEntry(string name, ref Utf8JsonReader reader, byte[] header, string path)
    {
        string label = $"tensor '{Shorten(name)}'";
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid(path, $"{label}: the entry is a JSON {Kind(reader.TokenType)}, expected an object with dtype, shape and data_offsets.");
        string? dtype = null;
        int elementBytes = 0;
        Span<int> dims = stackalloc int[TensorShape.MaxRank];
        int rank = -1;
        string? shapeText = null, offsetsText = null;
        bool offsetsValid = false;
        ulong begin = 0, end = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("dtype"u8))
            {
                if (dtype is not null) throw Invalid(path, $"{label}: \"dtype\" is given twice.");
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw Invalid(path, $"{label}: missing \"dtype\" (a string such as \"F32\").");
                (dtype, elementBytes) = DType(ref reader);
                if (elementBytes == 0) throw Invalid(path, $"{label}: unknown dtype '{Shorten(reader.GetString()!)}'.");
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                if (rank >= 0 || shapeText is not null) throw Invalid(path, $"{label}: \"shape\" is given twice.");
                reader.Read();
                long start = reader.TokenStartIndex;
                if (reader.TokenType != JsonTokenType.StartArray) throw Invalid(path, $"{label}: missing \"shape\" (an array of dimensions).");
                int d = 0;
                bool valid = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long size) || size < 0)
                    {
                        valid = false;
                        reader.Skip();
                        continue;
                    }
                    if (d == TensorShape.MaxRank) { d++; continue; }
                    if (d > TensorShape.MaxRank) continue;
                    if (size > int.MaxValue)
                        throw Invalid(path, $"{label}: dimension {d} is {size}, larger than a tensor dimension can be ({int.MaxValue}).");
                    dims[d++] = (int)size;
                }
                shapeText = Shorten(Encoding.UTF8.GetString(header, (int)start, (int)(reader.BytesConsumed - start)));
                if (!valid) throw Invalid(path, $"{label}: shape {shapeText} must hold non-negative integers.");
                if (d > TensorShape.MaxRank)
                    throw Invalid(path, $"{label}: shape {shapeText} has more than {TensorShape.MaxRank} dimensions; DeepSharp tensors have at most {TensorShape.MaxRank}.");
                rank = d;
            }
            else if (reader.ValueTextEquals("data_offsets"u8))
            {
                if (offsetsText is not null) throw Invalid(path, $"{label}: \"data_offsets\" is given twice.");
                reader.Read();
                long start = reader.TokenStartIndex;
                offsetsValid = reader.TokenType == JsonTokenType.StartArray;
                if (offsetsValid)
                {
                    int i = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out ulong offset) && i < 2)
                        {
                            if (i == 0) begin = offset;
                            else end = offset;
                        }
                        else offsetsValid = false;
                        if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) reader.Skip();
                        i++;
                    }
                    offsetsValid &= i == 2 && begin <= end;
                }
                else reader.Skip();
                offsetsText = Shorten(Encoding.UTF8.GetString(header, (int)start, (int)(reader.BytesConsumed - start)));
            }
            else
            {
                string key = reader.GetString()!;
                throw Invalid(path, $"{label}: unknown key '{Shorten(key)}' (an entry has dtype, shape and data_offsets).");
            }
        }
        if (dtype is null) throw Invalid(path, $"{label}: missing \"dtype\" (a string such as \"F32\").");
        if (rank < 0) throw Invalid(path, $"{label}: missing \"shape\" (an array of dimensions).");
        if (!offsetsValid)
            throw Invalid(path, $"{label}: \"data_offsets\" must be [begin, end], two non-negative integers with begin <= end; found {offsetsText ?? "nothing"}.");

        // The byte count the shape implies must equal the range given; overflow means a corrupt header.
        var shape = new TensorShape(dims[..rank]);
        ulong elements = dims[..rank].IndexOf(0) >= 0 ? 0UL : 1UL;
        for (int i = 0; i < rank && elements != 0; i++)
        {
            elements *= (ulong)dims[i]; // both factors are below 2^31: no overflow
            if (elements > int.MaxValue)
                throw Invalid(path, $"{label}: shape {shape} has more elements than a tensor holds ({int.MaxValue}).");
        }
        ulong bytes = elements * (ulong)elementBytes;
        if (end - begin != bytes)
            throw Invalid(path, $"{label}: shape {shape} of {dtype} needs {bytes} bytes, but data_offsets [{begin}, {end}] span {end - begin}.");
        return new SafeTensorsEntry(name, dtype, elementBytes, shape, begin, end);
    }

    /// <summary>The dtype at the reader (a known name as an interned string, and its size), or (null-free "?", 0) when unknown.</summary>
    private static (string Name, int Bytes) DType(ref Utf8JsonReader reader)
    {
        foreach (var (name, bytes) in DTypes)
            if (reader.ValueTextEquals(name)) return (name, bytes);
        return ("?", 0);
    }

    /// <summary>The dtypes the format defines, with their sizes in bytes.</summary>
    private static readonly (string Name, int Bytes)[] DTypes =
    [
        ("F32", 4), ("F16", 2), ("BF16", 2), ("F64", 8),
        ("BOOL", 1), ("U8", 1), ("I8", 1), ("F8_E5M2", 1), ("F8_E4M3", 1), ("F8_E8M0", 1),
        ("I16", 2), ("U16", 2), ("I32", 4), ("U32", 4), ("I64", 8), ("U64", 8), ("C64", 8),
    ];

    /// <summary>Sorts entries by offset and checks they tile the data section exactly: no gap, no overlap, no excess.</summary>
    private static void CheckLayout(SafeTensorsEntry[] entries, long dataLength, string path)
    {
        Array.Sort(entries, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        ulong cursor = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (entry.Begin < cursor)
            {
                var previous = entries[i - 1];
                throw Invalid(path, $"tensor '{Shorten(entry.Name)}' (data_offsets [{entry.Begin}, {entry.End}]) overlaps tensor '{Shorten(previous.Name)}' ([{previous.Begin}, {previous.End}]).");
            }
            if (entry.Begin > cursor)
                throw Invalid(path, $"bytes {cursor} to {entry.Begin} of the data belong to no tensor (a gap before tensor '{Shorten(entry.Name)}', data_offsets [{entry.Begin}, {entry.End}]).");
            cursor = entry.End;
        }
        if (cursor > (ulong)dataLength)
            throw Invalid(path, $"truncated: the header says {cursor} bytes of data, the file has {dataLength}.");
        if (cursor < (ulong)dataLength)
            throw Invalid(path, $"{(ulong)dataLength - cursor} trailing bytes after the last tensor: the header says {cursor} bytes of data, the file has {dataLength}.");
    }

    /// <summary>The entries' indices sorted by name; refuses a name given twice.</summary>
    private static int[] SortByName(SafeTensorsEntry[] entries, string path)
    {
        var order = new int[entries.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => string.CompareOrdinal(entries[a].Name, entries[b].Name));
        for (int i = 1; i < order.Length; i++)
            if (entries[order[i]].Name == entries[order[i - 1]].Name)
                throw Invalid(path, $"the header lists '{Shorten(entries[order[i]].Name)}' twice.");
        return order;
    }

    /// <summary>Reads one tensor's bytes (the stream is at its start) and converts them to float32.</summary>
    private static void ReadData(Stream stream, in SafeTensorsEntry entry, Span<float> destination, string path)
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
        if (entry.DType is not ("F16" or "BF16" or "F64"))
            throw Invalid(path, $"tensor '{Shorten(entry.Name)}' has dtype {entry.DType}; DeepSharp reads F32, F16, BF16 and F64 (converted to float32).");
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
                                throw Invalid(path, $"tensor '{Shorten(entry.Name)}': element {start + i} is {value}, outside the float32 range.");
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

    /// <summary>Whether DeepSharp converts <paramref name="dtype"/> to float32 (the others are refused when read).</summary>
    internal static bool IsReadable(string dtype) => dtype is "F32" or "F16" or "BF16" or "F64";

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        _ => "null",
    };

    /// <summary>Names and values are cut in messages: a damaged header may hold megabytes in one string.</summary>
    internal static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    internal static InvalidDataException Invalid(string path, string problem) => new($"SafeTensors '{path}': {problem}");
}

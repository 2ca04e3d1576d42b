using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DeepSharp;

/// <summary>
/// The integrity check DeepSharp writes into the metadata of its model and weight files:
/// <c>"checksum": "sha256:&lt;64 hex digits&gt;"</c>, a SHA-256 over the metadata (but this entry), every
/// tensor's name, dtype, shape and byte range, and the whole data section. The file stays plain safetensors
/// (other readers see one more metadata string); DeepSharp's readers verify it before using anything.
/// </summary>
/// <remarks>
/// SHA-256 rather than a fast non-cryptographic hash: it is in the base library (no package for the core),
/// runs at memory-bandwidth-class speed with the SHA extensions of current x86 CPUs (a load reads the file
/// anyway), detects every bit flip, and anyone can recompute it (Python's hashlib, tools/check_safetensors.py).
/// The digest covers a canonical encoding, not the header's JSON text, so it does not depend on spacing or key
/// order: for the metadata (sorted by key, ordinal) and then the tensors (in data order), each string is its
/// UTF-8 bytes preceded by their count, and each number a little-endian 64-bit integer, as listed below.
/// <code>
/// u64 metadata count, then per entry: key, value
/// u64 tensor count, then per tensor: name, dtype, u64 rank, u64 dims..., u64 begin, u64 end
/// the data section, as stored
/// </code>
/// </remarks>
internal static class SafeTensorsChecksum
{
    /// <summary>The metadata key.</summary>
    internal const string Key = "checksum";

    /// <summary>The prefix naming the algorithm in the value.</summary>
    internal const string Prefix = "sha256:";

    /// <summary>A hash primed with the canonical header: metadata without the checksum, then the tensors' records.</summary>
    internal static IncrementalHash Begin(IEnumerable<KeyValuePair<string, string>> metadata, IReadOnlyList<SafeTensorsEntry> entries)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var items = metadata.Where(m => m.Key != Key).OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        Number(hash, (ulong)items.Count);
        foreach (var (key, value) in items)
        {
            Text(hash, key);
            Text(hash, value);
        }
        Number(hash, (ulong)entries.Count);
        foreach (var entry in entries)
        {
            Text(hash, entry.Name);
            Text(hash, entry.DType);
            Number(hash, (ulong)entry.Shape.Rank);
            foreach (int dim in entry.Shape.Dims) Number(hash, (ulong)dim);
            Number(hash, entry.Begin);
            Number(hash, entry.End);
        }
        return hash;
    }

    /// <summary>The metadata value for a finished hash: "sha256:" and the digest in lower-case hex.</summary>
    internal static string Value(IncrementalHash hash) => Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());

    private static void Number(IncrementalHash hash, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        hash.AppendData(bytes);
    }

    private static void Text(IncrementalHash hash, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Number(hash, (ulong)bytes.Length);
        hash.AppendData(bytes);
    }
}

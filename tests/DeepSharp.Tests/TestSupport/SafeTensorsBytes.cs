using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// A safetensors file taken apart for editing, independently of the reader under test: its header as JSON
/// (member order kept) and its data bytes. <see cref="ToBytes"/> puts it back together (header padded to 8).
/// </summary>
internal sealed class SafeTensorsBytes
{
    private SafeTensorsBytes(JsonObject header, byte[] data)
    {
        Header = header;
        Data = data;
    }

    public JsonObject Header { get; }

    public byte[] Data { get; set; }

    public static SafeTensorsBytes Parse(byte[] file)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(file, 8, n))!;
        return new SafeTensorsBytes(header, file[(8 + n)..]);
    }

    public static SafeTensorsBytes Read(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>The <c>__metadata__</c> map.</summary>
    public JsonObject Metadata => (JsonObject)Header["__metadata__"]!;

    /// <summary>A metadata value parsed as JSON (the model configuration, the compile settings).</summary>
    public JsonNode? Json(string key) => JsonNode.Parse((string)Metadata[key]!);

    /// <summary>Replaces a metadata value by <paramref name="node"/> written as JSON text.</summary>
    public SafeTensorsBytes SetJson(string key, JsonNode? node)
    {
        Metadata[key] = node is null ? "null" : node.ToJsonString();
        return this;
    }

    /// <summary>Edits the JSON held in a metadata value.</summary>
    public SafeTensorsBytes EditJson(string key, Func<JsonNode?, JsonNode?> edit) => SetJson(key, edit(Json(key)));

    /// <summary>Drops the checksum, as a file written by another tool or edited by hand has none.</summary>
    public SafeTensorsBytes WithoutChecksum()
    {
        Metadata.Remove("checksum");
        return this;
    }

    public byte[] ToBytes()
    {
        var header = Encoding.UTF8.GetBytes(Header.ToJsonString());
        int padded = (header.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + Data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        Data.CopyTo(bytes, 8 + padded);
        return bytes;
    }

    public void Write(string path) => File.WriteAllBytes(path, ToBytes());
}

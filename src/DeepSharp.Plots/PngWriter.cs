using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepSharp.Plots;

/// <summary>
/// A small PNG encoder: 8 bits per sample, gray, gray + alpha, RGB or RGBA, no interlacing. Each row gets the
/// filter that makes its bytes smallest in absolute value (the heuristic the PNG specification recommends), then
/// the rows are deflated with <see cref="ZLibStream"/>. Pixels are written exactly as given: no colour management,
/// no gamma, so a grid of images reads back bit for bit.
/// </summary>
public static class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // Split the compressed stream over IDAT chunks of this size, as encoders commonly do; any size is valid.
    private const int IdatChunkSize = 1 << 16;

    /// <summary>Writes a PNG file atomically (a temporary file in the same directory, then a rename).</summary>
    /// <param name="path">The file to write; its directory is created if missing.</param>
    /// <param name="width">Width in pixels (at least 1).</param>
    /// <param name="height">Height in pixels (at least 1).</param>
    /// <param name="channels">1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.</param>
    /// <param name="pixels">Row-major samples, <c>height × width × channels</c> bytes, top row first.</param>
    public static void Save(string path, int width, int height, int channels, ReadOnlySpan<byte> pixels)
        => DeepSharp.AtomicFile.WriteAllBytes(path, Encode(width, height, channels, pixels));

    /// <summary>Encodes pixels as the bytes of a PNG file (see <see cref="Save"/> for the arguments).</summary>
    public static byte[] Encode(int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        using var stream = new MemoryStream();
        Write(stream, width, height, channels, pixels);
        return stream.ToArray();
    }

    /// <summary>Writes a PNG file's bytes to <paramref name="stream"/> (see <see cref="Save"/> for the arguments).</summary>
    public static void Write(Stream stream, int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte colorType = channels switch
        {
            1 => 0, // gray
            2 => 4, // gray + alpha
            3 => 2, // RGB ("truecolour")
            4 => 6, // RGBA
            _ => throw new ArgumentOutOfRangeException(nameof(channels), channels,
                "PngWriter: channels must be 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA)."),
        };
        if (width < 1 || height < 1)
            throw new ArgumentException($"PngWriter: the image must be at least 1 × 1 pixels; got {width} × {height}.");
        long rowBytes = (long)width * channels;
        long expected = rowBytes * height;
        if ((rowBytes + 1) * height > Array.MaxLength)
            throw new ArgumentException($"PngWriter: a {width} × {height} image with {channels} channels is too large to encode in memory.");
        if (pixels.Length != expected)
            throw new ArgumentException(
                $"PngWriter: a {width} × {height} image with {channels} channels needs {expected} bytes; got {pixels.Length}.", nameof(pixels));

        stream.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;          // bits per sample
        header[9] = colorType;
        header[10] = 0;         // compression: deflate (the only one defined)
        header[11] = 0;         // filter method: adaptive (the only one defined)
        header[12] = 0;         // no interlacing
        WriteChunk(stream, "IHDR"u8, header);

        byte[] compressed = CompressRows(width, height, channels, pixels);
        for (int start = 0; start < compressed.Length; start += IdatChunkSize)
            WriteChunk(stream, "IDAT"u8, compressed.AsSpan(start, Math.Min(IdatChunkSize, compressed.Length - start)));

        WriteChunk(stream, "IEND"u8, []);
    }

    private static byte[] CompressRows(int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        int stride = width * channels;
        var filtered = new byte[(long)(stride + 1) * height];
        var candidate = new byte[stride];
        var best = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(y * stride, stride);
            ReadOnlySpan<byte> previous = y > 0 ? pixels.Slice((y - 1) * stride, stride) : default;
            byte bestFilter = 0;
            long bestCost = long.MaxValue;
            for (byte filter = 0; filter <= 4; filter++)
            {
                long cost = Filter(filter, row, previous, channels, candidate);
                if (cost < bestCost)
                {
                    bestCost = cost;
                    bestFilter = filter;
                    candidate.CopyTo(best, 0);
                }
            }
            long at = (long)y * (stride + 1);
            filtered[at] = bestFilter;
            best.CopyTo(filtered.AsSpan((int)(at + 1), stride));
        }

        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(filtered);
        return output.ToArray();
    }

    /// <summary>
    /// Applies one of the five PNG filters to a row (the previous row is empty for the first row, which PNG treats
    /// as zeros) and returns the sum of the filtered bytes read as signed values: the smaller, the better it deflates.
    /// </summary>
    private static long Filter(byte filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> output)
    {
        long cost = 0;
        for (int i = 0; i < row.Length; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0;
            int up = previous.IsEmpty ? 0 : previous[i];
            int upLeft = i >= bpp && !previous.IsEmpty ? previous[i - bpp] : 0;
            int predictor = filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) >> 1,
                _ => Paeth(left, up, upLeft),
            };
            byte value = (byte)(row[i] - predictor);
            output[i] = value;
            int signed = (sbyte)value;
            cost += signed < 0 ? -signed : signed; // not Math.Abs((sbyte)...), which throws on −128
        }
        return cost;
    }

    /// <summary>The neighbour (left, up or up-left) closest to left + up − upLeft; ties go in that order.</summary>
    internal static int Paeth(int left, int up, int upLeft)
    {
        int estimate = left + up - upLeft;
        int toLeft = Math.Abs(estimate - left);
        int toUp = Math.Abs(estimate - up);
        int toUpLeft = Math.Abs(estimate - upLeft);
        if (toLeft <= toUp && toLeft <= toUpLeft) return left;
        return toUp <= toUpLeft ? up : upLeft;
    }

    private static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        stream.Write(type);
        stream.Write(data);
        uint crc = Crc32.Finish(Crc32.Update(Crc32.Update(Crc32.Start, type), data)); // the CRC covers type and data, not the length
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DeepSharp.Tests.Plots;

/// <summary>A decoded PNG: 8-bit samples, row-major, top row first.</summary>
internal sealed record DecodedPng(int Width, int Height, int Channels, byte[] Pixels, IReadOnlyList<string> ChunkTypes)
{
    public byte this[int x, int y, int channel = 0] => Pixels[(y * Width + x) * Channels + channel];

    public (byte R, byte G, byte B) Rgb(int x, int y) =>
        Channels >= 3 ? (this[x, y, 0], this[x, y, 1], this[x, y, 2]) : (this[x, y], this[x, y], this[x, y]);
}

/// <summary>
/// A minimal PNG decoder written for the tests, independent of the encoder (SkiaSharp's): it checks the signature
/// and every chunk's CRC (computed bit by bit), joins the IDAT chunks, inflates them and undoes all five row filters.
/// Only 8-bit, non-interlaced images, which is all DeepSharp.Plots writes.
/// </summary>
internal static class PngTestDecoder
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static DecodedPng DecodeFile(string path) => Decode(File.ReadAllBytes(path));

    public static DecodedPng Decode(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(Signature), "PNG signature");
        int at = 8;
        int width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        var types = new List<string>();
        while (at < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.True(BitwiseCrc(png.AsSpan(at + 4, 4 + length)) == stored, $"CRC of chunk {type}");
            types.Add(type);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal(8, data[8]);
                    channels = data[9] switch { 0 => 1, 4 => 2, 2 => 3, 6 => 4, var t => throw new InvalidDataException($"colour type {t}") };
                    Assert.Equal(0, data[12]); // not interlaced
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }
            at += 12 + length;
            if (type == "IEND") break;
        }
        Assert.Equal(png.Length, at);
        Assert.Equal("IHDR", types[0]);
        Assert.Equal("IEND", types[^1]);

        idat.Position = 0;
        using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        inflater.CopyTo(raw);
        return new DecodedPng(width, height, channels, Unfilter(raw.ToArray(), width, height, channels), types);
    }

    private static byte[] Unfilter(byte[] raw, int width, int height, int bpp)
    {
        int stride = width * bpp;
        Assert.Equal((stride + 1) * height, raw.Length);
        var pixels = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? pixels[y * stride + i - bpp] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int c = i >= bpp && y > 0 ? pixels[(y - 1) * stride + i - bpp] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => PaethFromSpec(a, b, c),
                    _ => throw new InvalidDataException($"filter {filter}"),
                };
                pixels[y * stride + i] = (byte)(raw[y * (stride + 1) + 1 + i] + predictor);
            }
        }
        return pixels;
    }

    // Written from the PNG specification's pseudo-code.
    private static int PaethFromSpec(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        if (pb <= pc) return b;
        return c;
    }

    /// <summary>CRC-32 one bit at a time (no table), to check the chunks' CRCs.</summary>
    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
        }
        return ~crc;
    }
}

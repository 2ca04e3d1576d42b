using DeepSharp.Plots;

namespace DeepSharp.Tests.Plots;

public class PngWriterTests
{
    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        // "123456789" → 0xCBF43926 is the published check value of CRC-32 (ISO-HDLC), the one PNG uses.
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        var random = new Random(7);
        var data = new byte[1000];
        random.NextBytes(data);
        Assert.Equal(PngTestDecoder.BitwiseCrc(data), Crc32.Compute(data));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 1)]
    [InlineData(7, 4, 2)]
    [InlineData(13, 9, 3)]
    [InlineData(3, 11, 4)]
    public void Round_trips_random_pixels(int width, int height, int channels)
    {
        var pixels = new byte[width * height * channels];
        new Random(width * 100 + channels).NextBytes(pixels);
        var png = PngTestDecoder.Decode(PngWriter.Encode(width, height, channels, pixels));
        Assert.Equal((width, height, channels), (png.Width, png.Height, png.Channels));
        Assert.Equal(pixels, png.Pixels);
    }

    [Fact]
    public void Round_trips_smooth_images_where_every_filter_wins_somewhere()
    {
        // Gradients, flat areas and noise make the writer pick different filters on different rows.
        int width = 40, height = 30;
        var pixels = new byte[width * height * 3];
        var random = new Random(3);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                pixels[i] = (byte)(x * 6);
                pixels[i + 1] = (byte)(y * 8);
                pixels[i + 2] = y % 3 == 0 ? (byte)random.Next(256) : (byte)(x * y);
            }
        byte[] encoded = PngWriter.Encode(width, height, 3, pixels);
        Assert.Equal(pixels, PngTestDecoder.Decode(encoded).Pixels);
    }

    [Fact]
    public void Writes_the_known_header_bytes_and_chunk_order()
    {
        byte[] png = PngWriter.Encode(2, 1, 3, [255, 0, 0, 0, 0, 255]);
        byte[] expectedStart =
        [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,     // signature
            0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R',
            0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0,              // 2 × 1, 8 bits, RGB, deflate, adaptive, no interlace
        ];
        Assert.Equal(expectedStart, png[..expectedStart.Length]);
        // Every PNG ends with the same 12 bytes: an empty IEND chunk and its CRC, 0xAE426082.
        Assert.Equal([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82], png[^12..]);
        Assert.Equal(["IHDR", "IDAT", "IEND"], PngTestDecoder.Decode(png).ChunkTypes);
    }

    [Fact]
    public void Splits_large_images_over_several_IDAT_chunks()
    {
        var pixels = new byte[300 * 300 * 3]; // noise does not compress: well over one 64 KiB chunk
        new Random(11).NextBytes(pixels);
        var png = PngTestDecoder.Decode(PngWriter.Encode(300, 300, 3, pixels));
        Assert.True(png.ChunkTypes.Count(t => t == "IDAT") > 1);
        Assert.Equal(pixels, png.Pixels);
    }

    [Fact]
    public void Paeth_follows_the_specification()
    {
        Assert.Equal(10, PngWriter.Paeth(10, 20, 30));   // estimate 0: left (10 away) is closest
        Assert.Equal(30, PngWriter.Paeth(30, 20, 10));   // estimate 40: left again
        Assert.Equal(7, PngWriter.Paeth(5, 7, 5));       // estimate 7: up
        Assert.Equal(50, PngWriter.Paeth(100, 50, 200)); // estimate −50: up (100 away) beats left (150) and up-left (250)
        Assert.Equal(11, PngWriter.Paeth(10, 12, 11));   // estimate 11: up-left
        Assert.Equal(5, PngWriter.Paeth(5, 5, 5));       // all tie: left first
    }

    [Fact]
    public void Rejects_bad_arguments_with_clear_messages()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(2, 2, 5, new byte[20]));
        Assert.Contains("channels", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => PngWriter.Encode(2, 2, 3, new byte[11]));
        Assert.Contains("needs 12 bytes; got 11", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => PngWriter.Encode(0, 2, 3, []));
        Assert.Contains("0 × 2", e3.Message);
    }

    [Fact]
    public void Save_writes_atomically_and_leaves_no_temporary_file()
    {
        string directory = Path.Combine(Path.GetTempPath(), "deepsharp-png-" + Guid.NewGuid().ToString("N"), "nested");
        try
        {
            string path = Path.Combine(directory, "image.png");
            PngWriter.Save(path, 1, 1, 1, [10]);
            PngWriter.Save(path, 2, 1, 1, [20, 30]); // replaces the first file
            Assert.Equal([20, 30], PngTestDecoder.DecodeFile(path).Pixels);
            Assert.Equal(["image.png"], Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }
}

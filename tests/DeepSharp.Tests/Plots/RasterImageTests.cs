using DeepSharp.Plots;

namespace DeepSharp.Tests.Plots;

/// <summary>PNG files written through SkiaSharp read back bit for bit with the tests' own decoder.</summary>
public class RasterImageTests
{
    private static RasterImage Random(int width, int height, int channels, int seed)
    {
        var pixels = new byte[width * height * channels];
        new Random(seed).NextBytes(pixels);
        return new RasterImage(width, height, channels, pixels);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 1)]
    [InlineData(13, 9, 3)]
    [InlineData(3, 11, 4)]
    public void Round_trips_random_pixels(int width, int height, int channels)
    {
        var image = Random(width, height, channels, width * 100 + channels);
        var png = PngTestDecoder.Decode(image.EncodePng());
        Assert.Equal((width, height, channels), (png.Width, png.Height, png.Channels));
        Assert.Equal(image.Pixels, png.Pixels);
    }

    [Fact]
    public void Round_trips_smooth_images_where_every_filter_wins_somewhere()
    {
        // Gradients, flat areas and noise make the encoder pick different filters on different rows.
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
        var png = PngTestDecoder.Decode(new RasterImage(width, height, 3, pixels).EncodePng());
        Assert.Equal(3, png.Channels);
        Assert.Equal(pixels, png.Pixels);
    }

    [Fact]
    public void Round_trips_a_large_image()
    {
        var image = Random(300, 300, 3, 11); // noise does not compress: more than one IDAT chunk's worth
        Assert.Equal(image.Pixels, PngTestDecoder.Decode(image.EncodePng()).Pixels);
    }

    [Fact]
    public void Writes_no_color_space_and_starts_with_the_header()
    {
        var png = PngTestDecoder.Decode(new RasterImage(2, 1, 3, [255, 0, 0, 0, 0, 255]).EncodePng());
        Assert.Equal("IHDR", png.ChunkTypes[0]);
        Assert.Equal("IEND", png.ChunkTypes[^1]);
        // A color profile, sRGB intent or gamma would let viewers convert the samples.
        Assert.DoesNotContain(png.ChunkTypes, type => type is "iCCP" or "sRGB" or "gAMA" or "cHRM");
    }

    [Fact]
    public void Rejects_bad_arguments_with_clear_messages()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new RasterImage(2, 2, 2, new byte[8]).EncodePng());
        Assert.Contains("channels", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new RasterImage(2, 2, 3, new byte[11]).EncodePng());
        Assert.Contains("needs 12 bytes; got 11", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new RasterImage(0, 2, 3, []).EncodePng());
        Assert.Contains("0 × 2", e3.Message);
    }

    [Fact]
    public void Save_writes_atomically_and_leaves_no_temporary_file()
    {
        string directory = Path.Combine(Path.GetTempPath(), "deepsharp-png-" + Guid.NewGuid().ToString("N"), "nested");
        try
        {
            string path = Path.Combine(directory, "image.png");
            new RasterImage(1, 1, 1, [10]).SavePng(path);
            new RasterImage(2, 1, 1, [20, 30]).SavePng(path); // replaces the first file
            Assert.Equal([20, 30], PngTestDecoder.DecodeFile(path).Pixels);
            Assert.Equal(["image.png"], Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }
}

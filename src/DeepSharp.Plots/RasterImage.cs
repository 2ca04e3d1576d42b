using SkiaSharp;

namespace DeepSharp.Plots;

/// <summary>Pixels in memory before they become a PNG: row-major, top row first, 8 bits per channel.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 gray, 3 RGB, 4 RGBA (not premultiplied).</param>
/// <param name="Pixels">Width × Height × Channels bytes.</param>
internal sealed record RasterImage(int Width, int Height, int Channels, byte[] Pixels)
{
    /// <summary>A new image with every channel of every pixel set to <paramref name="value"/>.</summary>
    public static RasterImage Filled(int width, int height, int channels, byte value)
    {
        long length = (long)width * height * channels;
        if (length > Array.MaxLength)
            throw new ArgumentException($"An image of {width} × {height} pixels with {channels} channels is too large ({length} bytes).");
        var pixels = new byte[length];
        pixels.AsSpan().Fill(value);
        return new RasterImage(width, height, channels, pixels);
    }

    /// <summary>The sample of channel <paramref name="channel"/> at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte this[int x, int y, int channel = 0] => Pixels[((long)y * Width + x) * Channels + channel];

    /// <summary>Writes this image as a PNG file, atomically (a temporary file in the same directory, then a rename).</summary>
    public void SavePng(string path) => AtomicFile.WriteAllBytes(path, EncodePng());

    /// <summary>
    /// The bytes of a PNG file of this image (gray, RGB or RGBA, 8 bits per sample), encoded by SkiaSharp. The samples
    /// are written as they are: no color space is attached, so nothing is converted, and an image reads back bit for bit.
    /// </summary>
    public unsafe byte[] EncodePng()
    {
        if (Width < 1 || Height < 1)
            throw new ArgumentException($"RasterImage: a PNG needs at least 1 × 1 pixels; got {Width} × {Height}.");
        if (Channels is not (1 or 3 or 4))
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "RasterImage: channels must be 1 (gray), 3 (RGB) or 4 (RGBA).");
        long expected = (long)Width * Height * Channels;
        if (Pixels.Length != expected)
            throw new ArgumentException($"RasterImage: a {Width} × {Height} image with {Channels} channels needs {expected} bytes; got {Pixels.Length}.");

        // Skia has no 3-byte pixel: RGB goes in as RGBA with opaque alpha, which its encoder writes as RGB.
        var (colorType, alphaType, samples) = Channels switch
        {
            1 => (SKColorType.Gray8, SKAlphaType.Opaque, Pixels),
            3 => (SKColorType.Rgba8888, SKAlphaType.Opaque, OpaqueRgba()),
            _ => (SKColorType.Rgba8888, SKAlphaType.Unpremul, Pixels),
        };
        var info = new SKImageInfo(Width, Height, colorType, alphaType);
        fixed (byte* start = samples)
        {
            using var pixmap = new SKPixmap(info, (IntPtr)start, info.RowBytes);
            using var png = pixmap.Encode(SKPngEncoderOptions.Default)
                ?? throw new InvalidOperationException($"RasterImage: SkiaSharp could not encode a {Width} × {Height} {colorType} image as PNG.");
            return png.ToArray();
        }
    }

    /// <summary>The RGB pixels with a fourth, opaque byte each.</summary>
    private byte[] OpaqueRgba()
    {
        long pixels = (long)Width * Height;
        if (pixels * 4 > Array.MaxLength)
            throw new ArgumentException($"RasterImage: a {Width} × {Height} image is too large to encode in memory.");
        var rgba = new byte[pixels * 4];
        for (long i = 0; i < pixels; i++)
        {
            rgba[4 * i] = Pixels[3 * i];
            rgba[4 * i + 1] = Pixels[3 * i + 1];
            rgba[4 * i + 2] = Pixels[3 * i + 2];
            rgba[4 * i + 3] = 255;
        }
        return rgba;
    }
}

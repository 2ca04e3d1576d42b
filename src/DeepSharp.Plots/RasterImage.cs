namespace DeepSharp.Plots;

/// <summary>Pixels in memory before they become a PNG: row-major, top row first, 8 bits per channel.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 gray, 3 RGB, 4 RGBA.</param>
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

    /// <summary>Writes this image as a PNG file, atomically.</summary>
    public void SavePng(string path) => PngWriter.Save(path, Width, Height, Channels, Pixels);
}

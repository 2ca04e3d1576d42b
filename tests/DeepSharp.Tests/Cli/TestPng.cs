using System.Runtime.InteropServices;
using SkiaSharp;

namespace DeepSharp.Tests.Cli;

/// <summary>Writes small PNG files for the predict tests, as an image editor would save them.</summary>
internal static class TestPng
{
    /// <summary>A grayscale PNG (<paramref name="gray"/>: one byte a pixel, row after row).</summary>
    public static void WriteGray(string path, int width, int height, byte[] gray)
    {
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        Copy(gray, bitmap, width);
        Save(path, bitmap);
    }

    /// <summary>An RGBA PNG (<paramref name="rgba"/>: four bytes a pixel, unpremultiplied, row after row).</summary>
    public static void WriteRgba(string path, int width, int height, byte[] rgba)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        Copy(rgba, bitmap, 4 * width);
        Save(path, bitmap);
    }

    private static void Copy(byte[] pixels, SKBitmap bitmap, int rowBytes)
    {
        for (int y = 0; y < bitmap.Height; y++)
            Marshal.Copy(pixels, y * rowBytes, bitmap.GetPixels() + y * bitmap.RowBytes, rowBytes);
    }

    private static void Save(string path, SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}

using SkiaSharp;

namespace DeepSharp.Cli.Prediction;

/// <summary>
/// A PNG file's pixels as floats in [0, 1] (as the datasets' images are scaled): one channel when every pixel is gray,
/// else three (RGB). Transparent pixels count as black, the datasets' background (the colour is multiplied by alpha).
/// </summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 (gray) or 3 (RGB).</param>
/// <param name="Pixels">Row after row, <paramref name="Channels"/> values a pixel.</param>
public sealed record PngImage(int Width, int Height, int Channels, float[] Pixels)
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Decodes the PNG file at <paramref name="path"/> (named <paramref name="source"/> in messages).</summary>
    public static PngImage Read(string path, string source)
    {
        using var codec = SKCodec.Create(path)
            ?? throw new InvalidDataException($"{source} starts as a PNG file but cannot be decoded (corrupt or truncated).");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"{source} cannot be decoded as a PNG image ({result}).");
        var rgba = bitmap.GetPixelSpan();
        int count = info.Width * info.Height;
        bool gray = true;
        for (int i = 0; i < count && gray; i++) gray = rgba[4 * i] == rgba[4 * i + 1] && rgba[4 * i] == rgba[4 * i + 2];
        int channels = gray ? 1 : 3;
        var pixels = new float[count * channels];
        for (int i = 0; i < count; i++)
            for (int c = 0; c < channels; c++) pixels[i * channels + c] = rgba[4 * i + c] / 255f;
        return new PngImage(info.Width, info.Height, channels, pixels);
    }
}

using System.Globalization;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>
/// The augmentation options shared by <c>deepsharp augment</c> and <c>deepsharp train cnn --augment</c>, read into an
/// <see cref="ImageDataGenerator"/>; each defaults to <see cref="CnnAugmentation"/>'s range.
/// </summary>
public static class AugmentationOptions
{
    /// <summary>Reads the options (each defaulting to <see cref="CnnAugmentation"/>'s range) into a generator.</summary>
    public static ImageDataGenerator Parse(CommandLine line)
    {
        double rotation = line.Double("rotation", CnnAugmentation.Rotation, 0, 360);
        double widthShift = line.Double("width-shift", CnnAugmentation.Shift, 0, 10_000);
        double heightShift = line.Double("height-shift", CnnAugmentation.Shift, 0, 10_000);
        double shear = line.Double("shear", CnnAugmentation.Shear, 0, 89);
        var zoom = ParseZoom(line.String("zoom"));
        bool horizontalFlip = line.Flag("horizontal-flip");
        bool verticalFlip = line.Flag("vertical-flip");
        string fillMode = line.Choice("fill-mode", "nearest", "nearest", "constant", "reflect", "wrap");
        double cval = line.Double("cval", 0);
        try
        {
            return new ImageDataGenerator(rotation, widthShift, heightShift, shear, zoom, horizontalFlip, verticalFlip, fillMode, cval);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>"0.1" for [0.9, 1.1], "0.9,1.2" for [0.9, 1.2]; null for the default.</summary>
    private static ZoomRange ParseZoom(string? text)
    {
        if (text is null) return CnnAugmentation.Zoom;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new UsageException($"--zoom expects a number z (for [1 - z, 1 + z]) or two numbers 'low,high'; got '{text}'.");
        return values.Length switch
        {
            1 => values[0],
            2 => (values[0], values[1]),
            _ => throw new UsageException($"--zoom expects a number z (for [1 - z, 1 + z]) or two numbers 'low,high'; got '{text}'."),
        };
    }

    /// <summary>Help text for the options.</summary>
    public const string Help = """
          --rotation DEG        rotations drawn from [-DEG, DEG] (default 5)
          --width-shift F       horizontal shifts: a fraction of the width below 1, pixels from 1 (default 0.05)
          --height-shift F      vertical shifts, likewise (default 0.05)
          --shear DEG           shear angles drawn from [-DEG, DEG] degrees (default 0.1, as the Keras tutorial)
          --zoom Z|LOW,HIGH     zoom factors from [1-Z, 1+Z] or [LOW, HIGH] (default 0.05)
          --horizontal-flip     mirror half of the images left to right
          --vertical-flip       mirror half of the images top to bottom
          --fill-mode MODE      nearest (default), constant, reflect or wrap
          --cval V              the value outside the image for --fill-mode constant (default 0)
                                The defaults are milder than the seed CNN's recipe (examples/Cnn), which is
                                --rotation 10 --width-shift 0.1 --height-shift 0.1 --zoom 0.9,1.2:
                                Fashion-MNIST's garments are centred and scaled to fill the image, and wider
                                ranges make images that the test set never shows.
        """;
}

using System.Globalization;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>
/// The augmentation options shared by <c>deepsharp augment</c> and <c>deepsharp train cnn --augment</c>, read into an
/// <see cref="ImageDataGenerator"/>; each defaults to <see cref="CnnAugmentation"/>'s range.
/// </summary>
public static class AugmentationOptions
{
    private static readonly CliOption Rotation = new("rotation", "DEG", "rotations drawn from [-DEG, DEG] (default 5)");
    private static readonly CliOption WidthShift = new("width-shift", "F", "horizontal shifts: a fraction of the width below 1, pixels from 1 (default 0.05)");
    private static readonly CliOption HeightShift = new("height-shift", "F", "vertical shifts, likewise (default 0.05)");
    private static readonly CliOption Shear = new("shear", "DEG", "shear angles drawn from [-DEG, DEG] degrees (default 0.1, as the Keras tutorial)");
    private static readonly CliOption Zoom = new("zoom", "Z|LOW,HIGH", "zoom factors from [1-Z, 1+Z] (Z from 0 to 1) or [LOW, HIGH] (default 0.05)");
    private static readonly CliOption HorizontalFlip = new("horizontal-flip", null, "mirror half of the images left to right");
    private static readonly CliOption VerticalFlip = new("vertical-flip", null, "mirror half of the images top to bottom");
    private static readonly CliOption FillMode = new("fill-mode", "MODE", "nearest (default), constant, reflect or wrap");
    private static readonly CliOption Cval = new("cval", "V", "the value outside the image for --fill-mode constant (default 0)");

    /// <summary>The options.</summary>
    public static IReadOnlyList<CliOption> Options { get; } = [Rotation, WidthShift, HeightShift, Shear, Zoom, HorizontalFlip, VerticalFlip, FillMode, Cval];

    /// <summary>Why the defaults are milder than the seed's recipe, for the help.</summary>
    public const string Note = """
        The defaults are milder than the seed CNN's recipe (examples/Cnn), which is
        --rotation 10 --width-shift 0.1 --height-shift 0.1 --zoom 0.9,1.2: Fashion-MNIST's garments
        are centred and scaled to fill the image, and wider ranges make images the test set never shows.
        """;

    /// <summary>Reads the options (each defaulting to <see cref="CnnAugmentation"/>'s range) into a generator.</summary>
    public static ImageDataGenerator Parse(CommandLine line)
    {
        double rotation = line.Double(Rotation, CnnAugmentation.Rotation, 0, 360);
        double widthShift = line.Double(WidthShift, CnnAugmentation.Shift, 0, 10_000);
        double heightShift = line.Double(HeightShift, CnnAugmentation.Shift, 0, 10_000);
        double shear = line.Double(Shear, CnnAugmentation.Shear, 0, 89);
        var zoom = ParseZoom(line.String(Zoom));
        bool horizontalFlip = line.Flag(HorizontalFlip);
        bool verticalFlip = line.Flag(VerticalFlip);
        string fillMode = line.Choice(FillMode, "nearest", "nearest", "constant", "reflect", "wrap");
        double cval = line.Double(Cval, 0);
        // Every value was checked above against the option the user typed; the generator's own checks name its C#
        // parameters, which the user never saw.
        return new ImageDataGenerator(rotation, widthShift, heightShift, shear, zoom, horizontalFlip, verticalFlip, fillMode, cval);
    }

    /// <summary>"0.1" for [0.9, 1.1], "0.9,1.2" for [0.9, 1.2]; null for the default. Messages quote the text as typed.</summary>
    private static ZoomRange ParseZoom(string? text)
    {
        if (text is null) return CnnAugmentation.Zoom;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new UsageException($"--zoom expects a number z (for [1 - z, 1 + z]) or two numbers 'low,high'; got '{text}'.");
        switch (values.Length)
        {
            case 1:
                if (values[0] is < 0 or > 1)
                    throw new UsageException($"--zoom z gives factors from [1 - z, 1 + z], so z must be between 0 and 1; got '{text}'.");
                return values[0];
            case 2:
                if (values[0] < 0)
                    throw new UsageException($"--zoom low,high: factors must be 0 or more; got '{text}' (low '{parts[0]}').");
                if (values[0] > values[1])
                    throw new UsageException($"--zoom low,high: low must not be above high; got '{text}' (low '{parts[0]}', high '{parts[1]}').");
                return (values[0], values[1]);
            default:
                throw new UsageException($"--zoom expects a number z (for [1 - z, 1 + z]) or two numbers 'low,high'; got '{text}'.");
        }
    }
}

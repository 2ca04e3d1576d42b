using DeepSharp.Cli.Options;
using DeepSharp.Plots;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp augment</c>: writes a picture of what the image augmentation does: original images in the first
/// row, augmented versions of each below.
/// </summary>
public sealed class AugmentCommand : ICommand
{
    /// <summary>The file written into --out.</summary>
    public const string FileName = "augmented.png";

    /// <inheritdoc/>
    public string Name => "augment";

    /// <inheritdoc/>
    public string Summary => "write a grid of images and augmented versions of them (to see what --augment does)";

    private static readonly CliOption Out = CommonOptions.Out.Describe($"output directory, created if missing (required): {FileName} is written into it");
    private static readonly CliOption Count = new("count", "N", "images, one per column (default 8)");
    private static readonly CliOption Rows = new("rows", "N", "rows of augmented versions (default 5)");
    private static readonly CliOption Seed = CommonOptions.Seed.Describe("seed of the transforms (default 42)");
    private static readonly CliOption Scale = new("scale", "N", "pixels per image pixel in the picture (default 3)");

    private static readonly IReadOnlyList<CliOption> OwnOptions = [Out, Count, Rows, Seed, Scale, CommonOptions.Dataset, CommonOptions.Data];

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => [.. OwnOptions, .. AugmentationOptions.Options];

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp augment --out DIR [options] [augmentation options]")
        .Paragraph($"Writes DIR/{FileName}: the first N test images in the first row, and --rows rows of randomly\n" +
            "augmented versions of them below (each column is one image).")
        .Section("Options", OwnOptions)
        .Section("Augmentation (defaults: those of train cnn --augment)", AugmentationOptions.Options)
        .Paragraph(AugmentationOptions.Note)
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var directoryOption = options.String(Out);
        int count = options.Int(Count, 8, 1, 64);
        int rows = options.Int(Rows, 5, 1, 32);
        int seed = options.Int(Seed, 42, 0, int.MaxValue);
        int scale = options.Int(Scale, 3, 1, 16);
        var dataset = CommonOptions.DatasetNamed(options.Choice(CommonOptions.Dataset, "fashion-mnist", CommonOptions.DatasetNames));
        var dataDirectory = options.String(CommonOptions.Data);
        var generator = AugmentationOptions.Parse(options);
        options.RejectUnknown();
        var directory = CommandLine.Required(Out, directoryOption);
        OutputPath.CheckDirectory(directory);

        var images = dataset.LoadTest(dataDirectory); // the smaller split: any images show what the transforms do
        count = Math.Min(count, images.Count);
        int height = images.X.Shape[1], width = images.X.Shape[2], pixels = height * width;
        ReadOnlySpan<float> originals = Ops.Slice(images.X, 0, 0, count).ToArray();
        var copies = new float[rows * count * pixels];
        for (int r = 0; r < rows; r++) originals.CopyTo(copies.AsSpan(r * count * pixels));
        var augmented = generator.Augment(Tensor.FromArray(copies, rows * count, height, width), seed);

        var grid = new float[(rows + 1) * count * pixels];
        originals.CopyTo(grid);
        augmented.ToArray().CopyTo(grid.AsSpan(count * pixels));
        var labels = new List<string> { "original" };
        for (int r = 1; r <= rows; r++) labels.Add($"augmented {r}");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        ImageGrid.Save(path, Tensor.FromArray(grid, (rows + 1) * count, height, width), columns: count, scale: scale, rowLabels: labels);
        output.WriteLine($"Wrote {Path.GetFullPath(path)}: {count} {dataset.Name} images and {rows} augmented versions of each " +
            $"(rotation {generator.RotationRange}°, shifts {generator.WidthShiftRange}/{generator.HeightShiftRange}, shear {generator.ShearRange}°, zoom {generator.ZoomRange}" +
            $"{(generator.HorizontalFlip ? ", horizontal flips" : "")}{(generator.VerticalFlip ? ", vertical flips" : "")}, fill {generator.FillMode.ToString().ToLowerInvariant()}).");
        return 0;
    }
}

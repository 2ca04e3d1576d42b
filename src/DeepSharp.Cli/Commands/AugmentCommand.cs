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

    /// <inheritdoc/>
    public string Help =>
        "Usage: deepsharp augment --out DIR [--count N] [--rows N] [--seed N] [--dataset NAME] [--data DIR] [augmentation options]\n\n" +
        $"Writes DIR/{FileName}: the first N test images in the first row, and --rows rows of randomly\n" +
        "augmented versions of them below (each column is one image).\n\n" +
        "Options:\n" +
        "  --out DIR             output directory (required)\n" +
        "  --count N             images, one per column (default 8)\n" +
        "  --rows N              rows of augmented versions (default 5)\n" +
        "  --seed N              seed of the transforms (default 42)\n" +
        "  --scale N             pixels per image pixel in the picture (default 3)\n" +
        "  --dataset NAME        fashion-mnist (default) or mnist\n" +
        "  --data DIR            dataset directory (default: DEEPSHARP_DATA, ../shared/datasets, ~/.deepsharp/datasets, download)\n" +
        "\nAugmentation (defaults: those of train cnn --augment):\n" + AugmentationOptions.Help + "\n";

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output)
    {
        var directory = options.String("out") ?? throw new UsageException("--out DIR is required.");
        int count = options.Int("count", 8, 1, 64);
        int rows = options.Int("rows", 5, 1, 32);
        int seed = options.Int("seed", 42, 0, int.MaxValue);
        int scale = options.Int("scale", 3, 1, 16);
        var dataset = options.Choice("dataset", "fashion-mnist", "fashion-mnist", "mnist") == "mnist" ? Datasets.Mnist : Datasets.FashionMnist;
        var dataDirectory = options.String("data");
        var generator = AugmentationOptions.Parse(options);
        options.RejectUnknown();

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

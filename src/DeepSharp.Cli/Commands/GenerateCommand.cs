using DeepSharp.Examples;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp generate</c>: draws new samples from a saved GAN generator and writes them as a PNG grid.</summary>
public sealed class GenerateCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "generate";

    /// <inheritdoc/>
    public string Summary => "draw samples from a saved GAN generator into a PNG grid";

    /// <inheritdoc/>
    public string Help => """
        Usage: deepsharp generate --model FILE --out grid.png [--count N] [--seed N] [--columns N] [--threads N]

        Loads a generator saved by 'deepsharp train gan' (generator.dsm), feeds it --count standard normal
        noise vectors (default 64) drawn with --seed (default 42), and writes the images, values in [-1, 1],
        as a grid of --columns tiles per row (default 8) to --out.

        """;

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output)
    {
        var modelPath = options.String("model") ?? throw new UsageException("--model FILE is required.");
        var outPath = options.String("out") ?? throw new UsageException("--out FILE is required (the PNG to write).");
        int count = options.Int("count", 64, 1, 4096);
        int seed = options.Int("seed", 42, 0, int.MaxValue);
        int columns = options.Int("columns", 8, 1, 256);
        Parallelism.Threads = options.Int("threads", Parallelism.Threads, 1, 256);
        options.RejectUnknown();
        CommandLine.RequireFile(modelPath);

        var generator = Model.Load(modelPath);
        var noiseShape = generator.InputShape ?? generator.DeclaredInputShape;
        if (noiseShape is not { Rank: 1 } shape)
            throw new UsageException($"'{modelPath}' is not a generator: it takes inputs of shape {(noiseShape is { } s ? Layer.FormatBatch(s) : "unknown")}, not noise vectors (None, width).");
        var imageShape = generator.ComputeOutputShape(shape);
        if (imageShape.Rank is not (2 or 3) || (imageShape.Rank == 3 && imageShape[2] is not (1 or 3)))
            throw new UsageException($"'{modelPath}' does not make images: its output shape is {Layer.FormatBatch(imageShape)}; expected (None, H, W) or (None, H, W, 1 or 3).");

        var noise = Tensor.RandomNormal([count, shape[0]], generator: new RandomGenerator(seed));
        var images = GanTrainer.Generate(generator, noise);
        GanExample.WriteGrid(outPath, images, columns);
        output.WriteLine($"Wrote {count} samples of {generator.Name} ({Layer.FormatBatch(imageShape)}, seed {seed}) to {outPath}.");
        return 0;
    }
}

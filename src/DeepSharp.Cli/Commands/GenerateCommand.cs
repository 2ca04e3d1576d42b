using DeepSharp.Cli.Options;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp generate</c>: draws new samples from a saved GAN generator and writes them as a PNG grid.</summary>
public sealed class GenerateCommand : ICommand
{
    private static readonly CliOption Model = CommonOptions.Model.Describe("a generator saved by 'deepsharp train gan' (generator.dsm; required)");
    private static readonly CliOption Out = CommonOptions.Out with { Value = "FILE", Description = "the PNG to write (required)" };
    private static readonly CliOption Count = new("count", "N", "samples to draw (default 64)");
    private static readonly CliOption Seed = CommonOptions.Seed.Describe("seed of the noise (default 42)");
    private static readonly CliOption Columns = new("columns", "N", "tiles per row of the grid (default 8)");

    private static readonly IReadOnlyList<CliOption> AllOptions = [Model, Out, Count, Seed, Columns, CommonOptions.Threads];

    /// <inheritdoc/>
    public string Name => "generate";

    /// <inheritdoc/>
    public string Summary => "draw samples from a saved GAN generator into a PNG grid";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => AllOptions;

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp generate --model FILE --out grid.png [options]")
        .Paragraph("""
            Loads a generator saved by 'deepsharp train gan' (generator.dsm), feeds it --count standard normal
            noise vectors drawn with --seed, and writes the images, values in [-1, 1], as a grid to --out.
            """)
        .Section("Options", AllOptions)
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var modelOption = options.String(Model);
        var outOption = options.String(Out);
        int count = options.Int(Count, 64, 1, 4096);
        int seed = options.Int(Seed, 42, 0, int.MaxValue);
        int columns = options.Int(Columns, 8, 1, 256);
        Parallelism.Threads = CommonOptions.ReadThreads(options);
        options.RejectUnknown();
        var modelPath = CommandLine.Required(Model, modelOption);
        var outPath = CommandLine.Required(Out, outOption, "the PNG to write");
        OutputPath.CheckFile(outPath);
        CommandLine.RequireFile(modelPath, "the model file");

        var generator = ModelFile.Load(modelPath);
        var noiseShape = generator.InputShape ?? generator.DeclaredInputShape;
        if (noiseShape is not { Rank: 1 } declared || !declared.TryGetTensorShape(out var shape))
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

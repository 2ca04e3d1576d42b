using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>The options of <c>deepsharp train cnn</c>, read into a <see cref="CnnExample"/>.</summary>
public static class CnnOptions
{
    private static readonly CliOption Augment = new("augment", null,
        "train on augmented images, as the augmentation options set them (their defaults\nare milder than the seed's recipe; see the note below)");
    private static readonly CliOption BatchNorm = new("batch-norm", null, "batch normalization after each convolution and the Dense(128)");
    private static readonly CliOption ConstantRate = new("constant-lr", null, "keep Adam's rate at 1e-3 (default: cosine decay from 1e-3 to 0 over the run)");
    private static readonly CliOption AugmentedStatistics = new("augmented-bn-stats", null,
        "with --augment --batch-norm, keep the moving statistics gathered on augmented\nbatches, as Keras does (default: recompute them on the un-augmented training\nimages after training, as the test images are not augmented either)")
    { Requires = "--augment and --batch-norm" };

    /// <summary>cnn's own options (the augmentation options count only with --augment).</summary>
    public static IReadOnlyList<CliOption> Options { get; } = [Augment, BatchNorm, ConstantRate, AugmentedStatistics];

    /// <summary>The augmentation options as train cnn takes them: only with --augment.</summary>
    public static IReadOnlyList<CliOption> AugmentationOptions { get; } =
        Cli.Options.AugmentationOptions.Options.Select(option => option with { Requires = "--augment" }).ToList();

    /// <summary>Reads --batch-norm, --constant-lr, --augment (with the augmentation options) and --augmented-bn-stats.</summary>
    public static CnnExample Parse(CommandLine line)
    {
        bool batchNorm = line.Flag(BatchNorm);
        bool constantRate = line.Flag(ConstantRate);
        var augmentation = line.Flag(Augment) ? Cli.Options.AugmentationOptions.Parse(line) : null;
        return new CnnExample
        {
            BatchNorm = batchNorm,
            ConstantLearningRate = constantRate,
            Augmentation = augmentation,
            // Read only where it means something, so that elsewhere it is refused as needing the others.
            KeepAugmentedStatistics = augmentation is not null && batchNorm && line.Flag(AugmentedStatistics),
        };
    }
}

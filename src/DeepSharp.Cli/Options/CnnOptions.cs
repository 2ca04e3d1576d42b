using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>The options of <c>deepsharp train cnn</c>, read into a <see cref="CnnExample"/>.</summary>
public static class CnnOptions
{
    /// <summary>Reads --batch-norm, --constant-lr, --augment (with the augmentation options) and --augmented-bn-stats.</summary>
    public static CnnExample Parse(CommandLine line)
    {
        bool batchNorm = line.Flag("batch-norm");
        bool constantRate = line.Flag("constant-lr");
        var augmentation = line.Flag("augment") ? AugmentationOptions.Parse(line) : null;
        return new CnnExample
        {
            BatchNorm = batchNorm,
            ConstantLearningRate = constantRate,
            Augmentation = augmentation,
            // Read only where it means something, so that elsewhere it is reported as an unknown option.
            KeepAugmentedStatistics = augmentation is not null && batchNorm && line.Flag("augmented-bn-stats"),
        };
    }

    /// <summary>Help text for the options.</summary>
    public static string Help =>
        "           (also writes accuracy.png: training against validation accuracy per epoch)\n" +
        "           --augment             train on augmented images, as the options below set them (their defaults\n" +
        "                                 are milder than the seed's recipe; see the note below them)\n" +
        "           --batch-norm          batch normalization after each convolution and the Dense(128)\n" +
        "           --constant-lr         keep Adam's rate at 1e-3 (default: cosine decay from 1e-3 to 0 over the run)\n" +
        "           --augmented-bn-stats  with --augment --batch-norm, keep the moving statistics gathered on augmented\n" +
        "                                 batches, as Keras does (default: recompute them on the un-augmented training\n" +
        "                                 images after training, as the test images are not augmented either)\n" +
        string.Concat(AugmentationOptions.Help.Split('\n').Select(line => "         " + line + "\n"));
}

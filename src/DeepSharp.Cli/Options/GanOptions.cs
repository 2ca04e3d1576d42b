using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>The options of <c>deepsharp train gan</c>, read into a <see cref="GanExample"/>.</summary>
public static class GanOptions
{
    private static readonly CliOption Arch = new("arch", "NAME", "dcgan (default: convolutional) or mlp (fully connected)");
    private static readonly CliOption RealLabel = new("real-label", "X",
        "discriminator target for real images, above 0.5 up to 1: 0.9 (default) is\none-sided label smoothing, 1 none");
    private static readonly CliOption Classifier = new("classifier", "FILE",
        "saved classifier that judges the samples (default: train the seed CNN, save\nclassifier.dsm)");
    private static readonly CliOption ClassifierEpochs = new("classifier-epochs", "N", "epochs to train that classifier (default 10)");
    private static readonly CliOption Samples = new("samples", "N", "generated images judged for metrics.json (default 1000)");
    private static readonly CliOption TrainImages = new("train-images", "N", "train on the first N training images only (default: all)");

    /// <summary>gan's own options.</summary>
    public static IReadOnlyList<CliOption> Options { get; } = [Arch, RealLabel, Classifier, ClassifierEpochs, Samples, TrainImages];

    /// <summary>Reads --arch, --real-label, --classifier, --classifier-epochs, --samples and --train-images.</summary>
    public static GanExample Parse(CommandLine line)
    {
        var defaults = new GanExample();
        var example = new GanExample
        {
            Architecture = line.Choice(Arch, defaults.Architecture, GanModels.Architectures),
            RealLabel = (float)line.Double(RealLabel, defaults.RealLabel, 0.51, 1),
            ClassifierPath = line.String(Classifier),
            ClassifierEpochs = line.Int(ClassifierEpochs, defaults.ClassifierEpochs, 1, 100),
            QualitySamples = line.Int(Samples, defaults.QualitySamples, 2, 100_000),
            TrainImages = line.Int(TrainImages, 0, 2, int.MaxValue) is int count and > 0 ? count : null,
        };
        if (example.ClassifierPath is not null && !File.Exists(example.ClassifierPath))
            throw new UsageException($"--classifier: the file '{example.ClassifierPath}' does not exist.");
        return example;
    }
}

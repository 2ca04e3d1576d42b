using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>The options of <c>deepsharp train gan</c>, read into a <see cref="GanExample"/>.</summary>
public static class GanOptions
{
    /// <summary>Reads --arch, --real-label, --classifier, --classifier-epochs, --samples and --train-images.</summary>
    public static GanExample Parse(CommandLine line)
    {
        var defaults = new GanExample();
        var example = new GanExample
        {
            Architecture = line.Choice("arch", defaults.Architecture, GanModels.Architectures),
            RealLabel = (float)line.Double("real-label", defaults.RealLabel, 0.51, 1),
            ClassifierPath = line.String("classifier"),
            ClassifierEpochs = line.Int("classifier-epochs", defaults.ClassifierEpochs, 1, 100),
            QualitySamples = line.Int("samples", defaults.QualitySamples, 2, 100_000),
            TrainImages = line.Int("train-images", 0, 2, int.MaxValue) is int count and > 0 ? count : null,
        };
        if (example.ClassifierPath is not null && !File.Exists(example.ClassifierPath))
            throw new UsageException($"--classifier: the file '{example.ClassifierPath}' does not exist.");
        return example;
    }

    /// <summary>Help text for the options.</summary>
    public const string Help = """
                   --arch NAME            dcgan (default: convolutional) or mlp (fully connected)
                   --real-label X         discriminator target for real images: 0.9 (default) is one-sided label smoothing, 1 none
                   --classifier FILE      saved classifier that judges the samples (default: train the seed CNN, save classifier.dsm)
                   --classifier-epochs N  epochs to train that classifier (default 10)
                   --samples N            generated images judged for metrics.json (default 1000)
                   --train-images N       train on the first N training images only (default: all)

        """;
}

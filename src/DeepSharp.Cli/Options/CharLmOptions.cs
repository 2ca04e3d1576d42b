using System.Globalization;
using DeepSharp.Examples;

namespace DeepSharp.Cli.Options;

/// <summary>The options of <c>deepsharp train charlm</c>, read into a <see cref="CharLmExample"/>.</summary>
public static class CharLmOptions
{
    private static readonly CliOption Corpus = new("corpus", "PATH",
        $"a UTF-8 text file or a folder of them (default: the fortune files in\n{TextCorpus.FortunesDirectory}, from Debian's fortunes packages)");
    private static readonly CliOption Units = new("units", "N", "units of each of the two LSTMs (default 256)");
    private static readonly CliOption SequenceLength = new("sequence-length", "N", "characters per training window (default 100)");
    private static readonly CliOption LearningRate = new("learning-rate", "X", "Adam's initial rate, decayed along a cosine to a tenth (default 0.002)");
    private static readonly CliOption SampleLength = new("sample-length", "N", "characters generated per sample (default 400)");
    private static readonly CliOption Temperatures = new("temperatures", "LIST", "sampling temperatures, one sample each (default 0.5,0.8,1)");

    /// <summary>charlm's own options.</summary>
    public static IReadOnlyList<CliOption> Options { get; } = [Corpus, Units, SequenceLength, LearningRate, SampleLength, Temperatures];

    /// <summary>Reads --corpus, --units, --sequence-length, --learning-rate, --sample-length and --temperatures; refuses the image options.</summary>
    public static CharLmExample Parse(CommandLine line)
    {
        foreach (var image in new[] { CommonOptions.Dataset, CommonOptions.Data })
            if (line.String(image) is not null)
                throw new UsageException($"train charlm reads text, not an image dataset: --{image.Name} does not apply (give --corpus FILE|DIR).");
        var defaults = new CharLmExample();
        var example = new CharLmExample
        {
            CorpusPath = line.String(Corpus),
            Units = line.Int(Units, defaults.Units, 1, 4096),
            SequenceLength = line.Int(SequenceLength, defaults.SequenceLength, 2, 100_000),
            LearningRate = line.Double(LearningRate, defaults.LearningRate, 1e-6, 1),
            SampleLength = line.Int(SampleLength, defaults.SampleLength, 0, 1_000_000),
            Temperatures = ParseTemperatures(line.String(Temperatures)) ?? defaults.Temperatures,
        };
        if (example.CorpusPath is { } path && !File.Exists(path) && !Directory.Exists(path))
            throw new UsageException($"--corpus: '{path}' does not exist.");
        return example;
    }

    private static double[]? ParseTemperatures(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0) || !double.IsFinite(values[i]))
                throw new UsageException($"--temperatures expects positive numbers separated by commas, got '{text}'.");
        return values;
    }
}

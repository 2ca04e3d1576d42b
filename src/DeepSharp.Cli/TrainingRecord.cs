using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Cli.Options;

namespace DeepSharp.Cli;

/// <summary>
/// What a model was trained on, as its run folder records it: <c>deepsharp train</c> writes <c>metrics.json</c>, with the
/// dataset's name, beside the models it saves (model.dsm; a GAN run's generator.dsm and classifier.dsm). The model file
/// itself does not say, so a model elsewhere, or one of another name, has no record.
/// </summary>
/// <param name="Dataset">The dataset's name as <c>--dataset</c> takes it ("fashion-mnist", "mnist").</param>
/// <param name="Source">The file that says so.</param>
public sealed record TrainingRecord(string Dataset, string Source)
{
    /// <summary>The model files a run writes beside its metrics.json.</summary>
    public static readonly string[] RunModelFiles = ["model.dsm", "generator.dsm", "classifier.dsm"];

    /// <summary>
    /// The record beside <paramref name="modelPath"/>, or null when there is none that names a known dataset. A
    /// metrics.json that cannot be read is no record: it is a hint, and the command works without it.
    /// </summary>
    public static TrainingRecord? Find(string modelPath)
    {
        if (!RunModelFiles.Contains(Path.GetFileName(modelPath))) return null;
        var metricsPath = Path.Combine(Path.GetDirectoryName(modelPath) ?? "", "metrics.json");
        if (!File.Exists(metricsPath)) return null;
        try
        {
            using var stream = File.OpenRead(metricsPath);
            var dataset = (JsonNode.Parse(stream) as JsonObject)?["dataset"] as JsonValue;
            return dataset is not null && dataset.TryGetValue(out string? name) && CommonOptions.DatasetNames.Contains(name)
                ? new TrainingRecord(name, metricsPath)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}

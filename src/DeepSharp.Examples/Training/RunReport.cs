using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp.Examples;

/// <summary>Writes a finished run's files: metrics.json and history.csv (the plots and model are written by the example).</summary>
public static class RunReport
{
    /// <summary>
    /// Writes <c>metrics.json</c> with the keys example, dataset, epochs, batch_size (of a step, over all ranks),
    /// test_loss, test_accuracy, train_seconds, train_samples_per_second (steady state: the first epoch left out when
    /// there are several; all ranks together), seed, threads (of each rank), world_size (the ranks), history, plus
    /// <paramref name="extra"/>; and <c>history.csv</c>. Returns the metrics written.
    /// </summary>
    public static JsonObject Write(string directory, string example, TrainingOptions options, History history,
        EvaluationResult test, JsonObject? extra = null)
    {
        var historyJson = new JsonObject();
        foreach (var key in history.Keys)
            historyJson[key] = new JsonArray(history[key].Select(v => (JsonNode?)Round(v)).ToArray());
        var metrics = new JsonObject
        {
            ["example"] = example,
            ["dataset"] = options.Dataset,
            ["epochs"] = history.Epochs.Count,
            ["batch_size"] = options.GlobalBatchSize,
            ["test_loss"] = Round(test.Loss),
            ["test_accuracy"] = Round(test.Values.Count > 1 ? test.Values[1].Value : double.NaN),
            ["train_seconds"] = Round(history.EpochSeconds.Sum()),
            ["train_samples_per_second"] = Math.Round(history.SamplesPerSecond, 1),
            ["seed"] = options.Seed,
            ["threads"] = options.Threads,
            ["world_size"] = options.Communicator.Size,
            ["history"] = historyJson,
        };
        AddScaling(metrics, options);
        // A trial on part of the data says so: its test accuracy is not that of the full test set.
        if (options.Limit > 0) metrics["limit"] = options.Limit;
        if (extra is not null)
            foreach (var (key, value) in extra) metrics[key] = value?.DeepClone();
        AtomicFile.WriteAllText(Path.Combine(directory, "metrics.json"),
            metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, "history.csv"), HistoryCsv(history));
        return metrics;
    }

    /// <summary>With <see cref="TrainingOptions.ScaleLearningRate"/>: the batch of each rank, the factor and the warm-up.</summary>
    public static void AddScaling(JsonObject metrics, TrainingOptions options)
    {
        if (!options.ScaleLearningRate) return;
        metrics["batch_size_per_rank"] = options.BatchSize;
        metrics["learning_rate_scale"] = options.Communicator.Size;
        metrics["warmup_epochs"] = options.WarmupEpochs;
    }

    /// <summary>One row per epoch: epoch (1-based), then each recorded series.</summary>
    public static string HistoryCsv(History history)
    {
        var keys = history.Keys.ToList();
        var csv = new StringBuilder("epoch");
        foreach (var key in keys) csv.Append(',').Append(key);
        csv.Append('\n');
        for (int i = 0; i < history.Epochs.Count; i++)
        {
            csv.Append((history.Epochs[i] + 1).ToString(CultureInfo.InvariantCulture));
            foreach (var key in keys) csv.Append(',').Append(history[key][i].ToString("R", CultureInfo.InvariantCulture));
            csv.Append('\n');
        }
        return csv.ToString();
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 6) : value;
}

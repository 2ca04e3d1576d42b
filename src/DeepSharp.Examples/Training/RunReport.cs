using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Plots;

namespace DeepSharp.Examples;

/// <summary>
/// Writes a run's report: <c>history.csv</c> and <c>metrics.json</c> (the plots and the model are written by the example).
/// </summary>
/// <remarks>
/// A run folder's files are written in this order: <c>run.json</c> (the command line, when training starts), the
/// backup while training (<c>checkpoint.safetensors</c>), then <c>history.csv</c>, the plots and the model, and
/// <c>metrics.json</c> last, with <c>"complete": true</c>; the backup is deleted after it. So a folder without
/// <c>metrics.json</c>, or whose <c>metrics.json</c> says <c>"complete": false</c> (a run interrupted by Ctrl-C, which
/// also says where it stopped), holds a run that did not finish; <c>deepsharp train --resume DIR</c> continues it.
/// </remarks>
public static class RunReport
{
    /// <summary>The file written last into a run folder: the run's values, and whether it finished.</summary>
    public const string MetricsFile = "metrics.json";

    /// <summary>
    /// The content of <c>metrics.json</c>: the keys complete, example, dataset, epochs, batch_size (of a step, over all
    /// ranks), test_loss, test_accuracy (when <paramref name="test"/> is given), train_seconds, train_samples_per_second
    /// (steady state: the first epoch left out when there are several; all ranks together), seed, threads (of each rank),
    /// world_size (the ranks), history, limit (a trial on part of the data), plus <paramref name="extra"/>.
    /// </summary>
    public static JsonObject Metrics(string example, TrainingOptions options, History history, EvaluationResult? test, bool complete, JsonObject? extra = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(history);
        var historyJson = new JsonObject();
        foreach (var key in history.Keys)
            historyJson[key] = new JsonArray(history[key].Select(v => (JsonNode?)Round(v)).ToArray());
        var metrics = new JsonObject
        {
            ["complete"] = complete,
            ["example"] = example,
            ["dataset"] = options.Dataset,
            ["epochs"] = history.Epochs.Count,
        };
        if (!complete) metrics["epochs_planned"] = options.Epochs;
        metrics["batch_size"] = options.GlobalBatchSize;
        if (test is not null)
        {
            metrics["test_loss"] = Round(test.Loss);
            metrics["test_accuracy"] = Round(test.Values.Count > 1 ? test.Values[1].Value : double.NaN);
        }
        metrics["train_seconds"] = Round(history.EpochSeconds.Sum());
        metrics["train_samples_per_second"] = Math.Round(history.SamplesPerSecond, 1);
        metrics["seed"] = options.Seed;
        metrics["threads"] = options.Threads;
        metrics["world_size"] = options.Communicator.Size;
        metrics["history"] = historyJson;
        AddScaling(metrics, options);
        // A trial on part of the data says so: its test accuracy is not that of the full test set.
        if (options.Limit > 0) metrics["limit"] = options.Limit;
        if (extra is not null)
            foreach (var (key, value) in extra) metrics[key] = value?.DeepClone();
        return metrics;
    }

    /// <summary>Writes <c>metrics.json</c> (atomically): the last file of a run folder, written when everything else is.</summary>
    public static void WriteMetrics(string directory, JsonObject metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        AtomicFile.WriteAllText(Path.Combine(directory, MetricsFile), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// Ends a run whose Fit did not finish: on a non-finite loss it says so and writes nothing (returns 1); when Ctrl-C
    /// or SIGTERM stopped it, it writes history.csv, curves.png (titled <paramref name="curvesTitle"/>) and a
    /// metrics.json saying <c>"complete": false</c>, says how to continue, and returns
    /// <see cref="RunFolder.InterruptedExitCode"/>. Returns null when training finished.
    /// </summary>
    public static int? EndUnfinished(string example, TrainingOptions options, History history, string curvesTitle, TextWriter output)
    {
        if (history.StoppedOnNaN)
        {
            output.WriteLine($"Training stopped: {history.StopReason}");
            output.WriteLine("No model was written.");
            return 1;
        }
        if (!history.Interrupted) return null;
        var directory = options.OutputDirectory;
        var partial = new JsonObject
        {
            ["interrupted"] = new JsonObject { ["reason"] = history.StopReason, ["resume"] = $"deepsharp train --resume {directory}" },
        };
        WriteHistory(directory, history);
        if (history.Epochs.Count > 0) history.Plot(Path.Combine(directory, "curves.png"), curvesTitle);
        WriteMetrics(directory, Metrics(example, options, history, test: null, complete: false, partial));
        output.WriteLine(history.StopReason);
        output.WriteLine($"Continue with: deepsharp train --resume {directory}");
        return RunFolder.InterruptedExitCode;
    }

    /// <summary>
    /// Ends a finished run (its own files, named in <paramref name="extraFiles"/>, already written): history.csv,
    /// curves.png (titled <paramref name="curvesTitle"/>), model.dsm, then metrics.json last with <c>"complete": true</c>
    /// and <paramref name="extras"/>; marks the folder finished and lists what it holds.
    /// </summary>
    public static void EndFinished(string example, TrainingOptions options, Model model, History history, EvaluationResult test,
        JsonObject extras, string curvesTitle, IEnumerable<string> extraFiles, TextWriter output)
    {
        var directory = options.OutputDirectory;
        WriteHistory(directory, history);
        history.Plot(Path.Combine(directory, "curves.png"), curvesTitle);
        model.Save(Path.Combine(directory, "model.dsm"));
        WriteMetrics(directory, Metrics(example, options, history, test, complete: true, extras));
        RunFolder.Finish(directory);
        output.WriteLine($"Wrote {Path.GetFullPath(directory)}: history.csv, curves.png, model.dsm" +
            string.Concat(extraFiles.Select(file => ", " + file)) + ", metrics.json");
    }

    /// <summary>Writes <c>history.csv</c> (atomically).</summary>
    public static void WriteHistory(string directory, History history) =>
        AtomicFile.WriteAllText(Path.Combine(directory, "history.csv"), HistoryCsv(history));

    /// <summary>
    /// With <see cref="TrainingOptions.ScaleLearningRate"/>: the batch of each rank, the factor and the warm-up; with
    /// <see cref="TrainingOptions.BalanceRanks"/>, that the shares followed the ranks' speed.
    /// </summary>
    public static void AddScaling(JsonObject metrics, TrainingOptions options)
    {
        if (options.BalanceRanks) metrics["balance_ranks"] = true;
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

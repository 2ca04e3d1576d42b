using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp.Examples;

/// <summary>
/// The folder a training run writes into (<see cref="TrainingOptions.OutputDirectory"/>), as far as stopping and
/// resuming go: <c>run.json</c> records the run's settings and command line when training starts, the backup
/// (<see cref="BackupAndRestore"/>'s <c>checkpoint.safetensors</c>) follows it while it trains, and
/// <c>metrics.json</c>, written last, says whether it finished (see <see cref="RunReport"/>).
/// </summary>
public static class RunFolder
{
    /// <summary>The file that records a run's settings and command line.</summary>
    public const string RecordFile = "run.json";

    /// <summary>The exit code of a run stopped by Ctrl-C or SIGTERM after writing its backup (128 + SIGINT, as shells report it).</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>The backup of the run in <paramref name="directory"/>.</summary>
    public static string CheckpointPath(string directory) => Path.Combine(directory, BackupAndRestore.CheckpointFileName);

    /// <summary>
    /// Checks the folder before training and records the run: a backup there is refused unless
    /// <see cref="TrainingOptions.Resume"/> (it belongs to a run that did not finish); with Resume, a finished run is
    /// refused. Writes <c>run.json</c>, and returns the callback that backs the run up after each epoch (and every
    /// <see cref="TrainingOptions.SaveFreq"/> batches), restores its backup, and turns Ctrl-C into a backup.
    /// </summary>
    /// <exception cref="InvalidOperationException">A backup of another run is in the folder, or the run to resume is complete.</exception>
    public static BackupAndRestore Begin(string example, TrainingOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var directory = options.OutputDirectory;
        bool hasBackup = File.Exists(CheckpointPath(directory));
        if (hasBackup && !options.Resume)
            throw new InvalidOperationException(
                $"'{directory}' holds the backup of a run that did not finish ({BackupAndRestore.CheckpointFileName}); continue it with " +
                $"'deepsharp train --resume {directory}', or delete that file or choose another output directory.");
        if (options.Resume)
        {
            if (IsComplete(directory))
                throw new InvalidOperationException($"the run in '{directory}' is complete ({RunReport.MetricsFile} says so); there is nothing to resume.");
            output.WriteLine(hasBackup
                ? $"Resuming the run in {Path.GetFullPath(directory)} from its backup."
                : $"The run in {Path.GetFullPath(directory)} left no backup (it stopped before its first epoch ended): starting it again.");
        }
        Directory.CreateDirectory(directory);
        var record = new JsonObject
        {
            ["example"] = example,
            ["dataset"] = options.Dataset,
            ["epochs"] = options.Epochs,
            ["batch_size"] = options.BatchSize,
            ["seed"] = options.Seed,
            ["threads"] = options.Threads,
            ["limit"] = options.Limit,
            ["save_freq"] = options.SaveFreq,
            ["arguments"] = options.Arguments is { } words ? new JsonArray(words.Select(w => (JsonNode?)w).ToArray()) : null,
        };
        if (!options.Resume || !File.Exists(Path.Combine(directory, RecordFile)))
            AtomicFile.WriteAllText(Path.Combine(directory, RecordFile), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return new BackupAndRestore(directory, options.SaveFreq, deleteCheckpoint: false);
    }

    /// <summary>Removes the backup once the run's files, <c>metrics.json</c> last, are written.</summary>
    public static void Finish(string directory)
    {
        var checkpoint = CheckpointPath(directory);
        if (File.Exists(checkpoint)) File.Delete(checkpoint);
    }

    /// <summary>Whether the folder's <c>metrics.json</c> says its run finished.</summary>
    public static bool IsComplete(string directory)
    {
        var path = Path.Combine(directory, RunReport.MetricsFile);
        if (!File.Exists(path)) return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject metrics && metrics["complete"] is JsonValue complete
                && complete.TryGetValue(out bool done) && done;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The command line recorded in <paramref name="directory"/>'s <c>run.json</c> (the words after
    /// <c>deepsharp train</c>), to start the run again.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no run.json.</exception>
    /// <exception cref="InvalidDataException">run.json records no command line.</exception>
    public static IReadOnlyList<string> ReadArguments(string directory)
    {
        var path = Path.Combine(directory, RecordFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{directory}' has no {RecordFile}: it is not the folder of a run 'deepsharp train' started.", path);
        try
        {
            var arguments = (JsonNode.Parse(File.ReadAllText(path)) as JsonObject)?["arguments"] as JsonArray
                ?? throw new InvalidDataException($"'{path}' records no command line (the run was not started by 'deepsharp train').");
            return arguments.Select(word => word is JsonValue value && value.TryGetValue(out string? text)
                ? text : throw new InvalidDataException($"'{path}': the arguments must be strings.")).ToList();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Everything a training run needs to continue as if it had never stopped: the model's weights (moving statistics
/// included), the optimizer's state (step count, moments, learning rate), the state of every random generator that
/// shapes training (each layer's dropout stream, the training thread's default generator), the position in the run
/// (epoch, and batches of it done), the running loss and metrics of a half-finished epoch, the shuffling seed, and
/// the history so far. <see cref="BackupAndRestore"/> saves and restores one; a run resumed from it ends with the
/// same weights, bit for bit, as the same run uninterrupted.
/// </summary>
/// <remarks>
/// <para>
/// A checkpoint is a snapshot taken by <see cref="Capture"/>: its bytes (<see cref="ToBytes"/>) are a safetensors
/// file, written atomically by <see cref="Save"/> (a kill during a save leaves the previous file whole), and readable by
/// any safetensors reader. Tensors: <c>model/{i}/{weight name}</c> for weight i of <see cref="Layer.Weights"/>,
/// <c>optimizer/{j}/{k}</c> for slot k of the optimizer's variable j. The header's metadata holds, as JSON strings:
/// <c>format</c> ("deepsharp.checkpoint"), <c>format_version</c> ("1"), <c>progress</c> (epoch, step, epochs,
/// batches_per_epoch, loss_sum, samples, seconds, data_seed, interrupted), <c>weights</c> (the weights' names),
/// <c>optimizer</c> (name, iterations, the model weight each variable is, slot counts, values, learning rate),
/// <c>random</c> (each generator's state), <c>metrics</c> (each metric's running state) and <c>history</c>.
/// </para>
/// <para>
/// Weights, optimizer variables and generators are matched by position, not by name, so that the same architecture
/// built again (whose layers may be named "dense_3" instead of "dense") takes its checkpoint; counts and shapes are
/// checked, and a mismatch changes nothing. For a distributed run, rank 0 can <see cref="Capture"/>, send
/// <see cref="ToBytes"/> to the others, and each rank <see cref="FromBytes"/> and <see cref="Restore"/>.
/// </para>
/// </remarks>
public sealed class TrainingCheckpoint
{
    /// <summary>The <c>format</c> in a checkpoint's metadata.</summary>
    public const string Format = "deepsharp.checkpoint";

    private const string FormatVersion = "1";

    private readonly byte[] _bytes;
    private readonly string _source;
    private readonly JsonObject _progress, _optimizer, _random, _metrics, _history;
    private readonly JsonArray _weightNames;

    private TrainingCheckpoint(byte[] bytes, string source)
    {
        _bytes = bytes;
        _source = source;
        using var file = Read(bytes, source);
        var metadata = file.Metadata;
        if (!metadata.TryGetValue("format", out var format) || format != Format)
            throw Invalid($"it is a safetensors file but not a training checkpoint (its metadata has no format '{Format}'" +
                (format is null ? ")" : $"; it says '{format}')"));
        if (!metadata.TryGetValue("format_version", out var version) || version != FormatVersion)
            throw Invalid($"format version '{version}' is not one this version of DeepSharp reads ({FormatVersion}).");
        try
        {
            _progress = ExactJson.ReadObject(Parse(metadata, "progress"), "progress");
            _weightNames = ExactJson.ReadArray(Parse(metadata, "weights"), "weights");
            _optimizer = ExactJson.ReadObject(Parse(metadata, "optimizer"), "optimizer");
            _random = ExactJson.ReadObject(Parse(metadata, "random"), "random");
            _metrics = ExactJson.ReadObject(Parse(metadata, "metrics"), "metrics");
            _history = ExactJson.ReadObject(Parse(metadata, "history"), "history");
            Epoch = (int)ExactJson.ReadInteger(_progress["epoch"], "progress.epoch", 0, int.MaxValue);
            Step = (int)ExactJson.ReadInteger(_progress["step"], "progress.step", 0, int.MaxValue);
            Epochs = (int)ExactJson.ReadInteger(_progress["epochs"], "progress.epochs", 0, int.MaxValue);
            BatchesPerEpoch = (int)ExactJson.ReadInteger(_progress["batches_per_epoch"], "progress.batches_per_epoch", 0, int.MaxValue);
            LossSum = ExactJson.ReadNumber(_progress["loss_sum"], "progress.loss_sum");
            Samples = (int)ExactJson.ReadInteger(_progress["samples"], "progress.samples", 0, int.MaxValue);
            Seconds = ExactJson.ReadNumber(_progress["seconds"], "progress.seconds");
            DataSeed = _progress["data_seed"] is null ? null : (long)ParseWord(ExactJson.ReadString(_progress["data_seed"], "progress.data_seed"), "progress.data_seed");
            InterruptReason = _progress["interrupted"] is null ? null : ExactJson.ReadString(_progress["interrupted"], "progress.interrupted");
            Iterations = ExactJson.ReadInteger(_optimizer["iterations"], "optimizer.iterations");
            var history = new History();
            history.Restore(_history);
            HistoryValues = history.Values;
            HistoryEpochs = history.Epochs;
            if (BatchesPerEpoch > 0 && Step > BatchesPerEpoch)
                throw new FormatException($"progress.step {Step} is beyond the {BatchesPerEpoch} batches of an epoch.");
            if (_weightNames.Count != file.Tensors.Keys.Count(k => k.StartsWith("model/", StringComparison.Ordinal)))
                throw new FormatException($"'weights' names {_weightNames.Count} weights but the file holds a different number of model/ tensors.");
        }
        catch (FormatException e)
        {
            throw Invalid(e.Message, e);
        }
    }

    /// <summary>The epoch the run continues in (0-based): the one in progress, or the next one when saved between epochs.</summary>
    public int Epoch { get; }

    /// <summary>Batches of <see cref="Epoch"/> already done (0 between epochs): the resumed run skips them.</summary>
    public int Step { get; }

    /// <summary>The epoch the run was to end at (0 when captured outside <c>Fit</c>).</summary>
    public int Epochs { get; }

    /// <summary>Batches per epoch of the run (0 when captured outside <c>Fit</c>); a resume inside an epoch needs the same.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The optimizer's step count.</summary>
    public long Iterations { get; }

    /// <summary>Why the run was interrupted when it was saved (null for a regular save).</summary>
    public string? InterruptReason { get; }

    /// <summary>The shuffling seed of the run's data (null when its source has none).</summary>
    public long? DataSeed { get; }

    /// <summary>The history of the epochs done, by key (as <see cref="History.Values"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> HistoryValues { get; }

    /// <summary>The epochs done (0-based), as <see cref="History.Epochs"/>.</summary>
    public IReadOnlyList<int> HistoryEpochs { get; }

    /// <summary>Whether the run it was taken from had ended (its last epoch done): resuming it trains nothing more.</summary>
    public bool IsFinished => Epochs > 0 && Epoch >= Epochs;

    // The half-finished epoch, for the training loop.
    internal double LossSum { get; }

    internal int Samples { get; }

    internal double Seconds { get; }

    /// <summary>
    /// Takes a checkpoint of <paramref name="model"/> now. Inside <c>Fit</c> (from a callback) it records the run's
    /// position, the half-finished epoch's running values and the history; outside, epoch and step are 0 unless
    /// given (a custom loop that keeps its own count).
    /// </summary>
    /// <param name="model">A built model; its optimizer's state is included when it is compiled.</param>
    /// <param name="epoch">The epoch to record instead of Fit's.</param>
    /// <param name="step">The batches of it done to record instead of Fit's.</param>
    /// <exception cref="InvalidOperationException">The model is not built, or its optimizer updates a tensor that is not one of its weights.</exception>
    public static TrainingCheckpoint Capture(Model model, int? epoch = null, int? step = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (epoch is < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "TrainingCheckpoint.Capture: epoch must be >= 0.");
        if (step is < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "TrainingCheckpoint.Capture: step must be >= 0.");
        if (!model.IsBuilt)
            throw new InvalidOperationException($"TrainingCheckpoint.Capture: model '{model.Name}' is not built yet, so it has no weights to save.");
        var progress = model.FitProgress;
        bool atFitPosition = progress is not null && (epoch ?? progress.Epoch) == progress.Epoch && (step ?? progress.Step) == progress.Step;
        int recordedStep = step ?? progress?.Step ?? 0;

        var weights = model.Weights;
        var tensors = new List<(string Name, Tensor Tensor)>(weights.Count);
        for (int i = 0; i < weights.Count; i++) tensors.Add(($"model/{i}/{weights[i].Name ?? "unnamed"}", weights[i]));

        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["format_version"] = FormatVersion,
            ["deepsharp_version"] = typeof(Model).Assembly.GetName().Version?.ToString(3) ?? "0",
            ["progress"] = new JsonObject
            {
                ["epoch"] = epoch ?? progress?.Epoch ?? 0,
                ["step"] = recordedStep,
                ["epochs"] = progress?.Epochs ?? 0,
                ["batches_per_epoch"] = progress?.Source.BatchesPerEpoch ?? 0,
                ["loss_sum"] = ExactJson.Number(atFitPosition ? progress!.LossSum : 0),
                ["samples"] = atFitPosition ? progress!.Samples : 0,
                ["seconds"] = ExactJson.Number(atFitPosition ? progress!.Seconds : 0),
                ["data_seed"] = progress?.DataSeed is { } seed ? Word((ulong)seed) : null,
                ["interrupted"] = progress?.InterruptReason,
            }.ToJsonString(),
            ["weights"] = new JsonArray(weights.Select(w => (JsonNode?)w.Name).ToArray()).ToJsonString(),
            ["optimizer"] = CaptureOptimizer(model, weights, tensors).ToJsonString(),
            ["random"] = CaptureRandom(model).ToJsonString(),
            ["metrics"] = CaptureMetrics(model, atFitPosition && recordedStep > 0).ToJsonString(),
            ["history"] = (progress?.History.ToJson() ?? new History().ToJson()).ToJsonString(),
        };
        using var stream = new MemoryStream();
        SafeTensors.Save(stream, tensors, metadata);
        return new TrainingCheckpoint(stream.ToArray(), "checkpoint in memory");
    }

    /// <summary>Reads a checkpoint <see cref="Save"/> wrote.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a training checkpoint this version reads.</exception>
    public static TrainingCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"TrainingCheckpoint: '{path}' does not exist.", path);
        return new TrainingCheckpoint(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a checkpoint from the bytes <see cref="ToBytes"/> returned (sent by another rank, kept in memory).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a training checkpoint this version reads.</exception>
    public static TrainingCheckpoint FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new TrainingCheckpoint((byte[])bytes.Clone(), "checkpoint bytes");
    }

    /// <summary>The checkpoint as the bytes of a safetensors file (a copy).</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>The size of the checkpoint in bytes.</summary>
    public long Length => _bytes.LongLength;

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically: a kill or a failure half-way leaves the previous file whole.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.WriteAllBytes(path, _bytes);
    }

    /// <summary>
    /// Puts the checkpoint into <paramref name="model"/>, built like the one it was taken from: its weights, its
    /// optimizer's state (the model must be compiled with an optimizer of the same kind), and the state of its random
    /// generators and of the calling thread's default one. Called while <c>Fit</c> begins (from a callback's
    /// <see cref="Callback.OnTrainBegin"/>, as <see cref="BackupAndRestore"/> does), it also makes Fit continue where
    /// the checkpoint was taken: at its epoch, skipping the batches done, with the running loss, metrics and history
    /// of the run. Everything is checked before anything changes.
    /// </summary>
    /// <exception cref="ArgumentException">The model does not match the checkpoint (weights, optimizer, generators).</exception>
    /// <exception cref="InvalidDataException">The checkpoint's content is inconsistent.</exception>
    public void Restore(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt)
            throw new ArgumentException($"TrainingCheckpoint.Restore: model '{model.Name}' is not built yet; build it (call it once, or declare an input shape) first.", nameof(model));
        using var file = Read(_bytes, _source);
        try
        {
            var weights = model.Weights;
            var stored = file.Tensors.Where(t => t.Key.StartsWith("model/", StringComparison.Ordinal)).Select(t => t.Value).ToList();
            if (stored.Count != weights.Count)
                throw Mismatch(model, $"the checkpoint holds {stored.Count} weights ({Names(_weightNames)}) but the model has {weights.Count} ({Names(weights.Select(w => w.Name))})");
            for (int i = 0; i < weights.Count; i++)
                if (stored[i].Shape != weights[i].Shape)
                    throw Mismatch(model, $"weight {i} is '{_weightNames[i]}' of shape {stored[i].Shape} in the checkpoint but '{weights[i].Name}' of shape {weights[i].Shape} in the model");
            var (optimizerState, variables) = ReadOptimizer(model, weights, file);
            var generators = new List<RandomGenerator>();
            model.CollectRandomGenerators(generators);
            var states = ExactJson.ReadArray(_random["layers"], "random.layers")
                .Select((s, i) => RandomGeneratorState.Parse(ExactJson.ReadString(s, $"random.layers[{i}]"))).ToList();
            if (states.Count != generators.Count)
                throw Mismatch(model, $"the checkpoint holds {states.Count} random generators of layers (dropout, noise) but the model has {generators.Count}");
            var defaultState = RandomGeneratorState.Parse(ExactJson.ReadString(_random["default"], "random.default"));
            var progress = model.FitProgress;
            bool resume = progress is { AtTrainBegin: true };
            if (resume && Step > 0)
            {
                if (BatchesPerEpoch != progress!.Source.BatchesPerEpoch)
                    throw Mismatch(model, $"the checkpoint was taken {Step} batches into epoch {Epoch + 1} of a run with {BatchesPerEpoch} batches per epoch, " +
                        $"but this Fit has {progress.Source.BatchesPerEpoch}; give it the same data and batch size");
                // A metric's state is checked by setting it: Fit resets the metrics as the epoch begins, then sets them again.
                foreach (var metric in model.Metrics)
                {
                    try
                    {
                        RestoreMetric(metric);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        throw Mismatch(model, $"the running state of metric '{metric.Name}' cannot be restored: {e.Message}");
                    }
                }
            }

            // Everything checked: now change the model.
            for (int i = 0; i < weights.Count; i++) weights[i].CopyFrom(stored[i].ToArray());
            if (optimizerState is not null) model.Optimizer!.SetState(optimizerState, variables);
            for (int i = 0; i < generators.Count; i++) generators[i].State = states[i];
            RandomGenerator.Default.State = defaultState;
            if (resume) progress!.Resume = this;
        }
        catch (FormatException e)
        {
            throw Invalid(e.Message, e);
        }
    }

    /// <summary>
    /// Sets <paramref name="metric"/> to its running state in the half-finished epoch, if the checkpoint has one: its
    /// totals, and for "accuracy" the kind its first batch decided (the resumed epoch's next batch comes after them).
    /// </summary>
    internal void RestoreMetric(Metric metric)
    {
        var what = $"metrics.{metric.Name}";
        switch (_metrics[metric.Name])
        {
            case JsonArray state:
                metric.SetState(ExactJson.ReadNumbers(state, what));
                break;
            case JsonObject resolved:
                var kind = ExactJson.ReadString(resolved["kind"], what + ".kind");
                if (metric is not Accuracy accuracy || !Enum.TryParse<TargetKind>(kind, out var targets) || !Enum.IsDefined(targets))
                    throw new ArgumentException($"'{kind}' is not a kind of accuracy for {metric.GetType().Name} '{metric.Name}'.");
                accuracy.ResolveAs(targets);
                metric.SetState(ExactJson.ReadNumbers(resolved["state"], what + ".state"));
                break;
        }
    }

    /// <summary>The history of the epochs done, as <see cref="History.ToJson"/> wrote it.</summary>
    internal JsonObject HistoryJson => _history;

    // ---- capture ------------------------------------------------------------------------------------------

    private static JsonObject CaptureOptimizer(Model model, IReadOnlyList<Tensor> weights, List<(string Name, Tensor Tensor)> tensors)
    {
        if (model.Optimizer is not { } optimizer) return new JsonObject { ["iterations"] = 0 };
        var index = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < weights.Count; i++) index.TryAdd(weights[i], i);
        var variables = optimizer.Variables;
        var weightIndices = new JsonArray();
        var slotCounts = new JsonArray();
        for (int j = 0; j < variables.Count; j++)
        {
            if (!index.TryGetValue(variables[j], out int i))
                throw new InvalidOperationException(
                    $"TrainingCheckpoint.Capture: the optimizer of model '{model.Name}' updates a tensor ('{variables[j].Name}', shape {variables[j].Shape}) " +
                    "that is not one of the model's weights; a checkpoint of the model cannot hold its state.");
            weightIndices.Add((JsonNode)i);
            var slots = optimizer.Slots(variables[j]);
            slotCounts.Add((JsonNode)slots.Count);
            for (int k = 0; k < slots.Count; k++) tensors.Add(($"optimizer/{j}/{k}", slots[k]));
        }
        var values = new JsonObject();
        foreach (var (key, value) in optimizer.StateValues()) values[key] = ExactJson.Number(value);
        return new JsonObject
        {
            ["name"] = optimizer.Name,
            ["iterations"] = optimizer.Iterations,
            ["weights"] = weightIndices,
            ["slots"] = slotCounts,
            ["values"] = values,
            ["learning_rate"] = optimizer.LearningRate.GetConfig().DeepClone(),
        };
    }

    private static JsonObject CaptureRandom(Model model)
    {
        var generators = new List<RandomGenerator>();
        model.CollectRandomGenerators(generators);
        return new JsonObject
        {
            ["layers"] = new JsonArray(generators.Select(g => (JsonNode?)g.State.ToString()).ToArray()),
            ["default"] = RandomGenerator.Default.State.ToString(),
        };
    }

    private static JsonObject CaptureMetrics(Model model, bool partialEpoch)
    {
        var metrics = new JsonObject();
        if (!partialEpoch) return metrics;
        foreach (var metric in model.Metrics)
        {
            var state = ExactJson.Numbers(metric.GetState()); // empty for a metric that keeps no totals
            metrics[metric.Name] = metric is Accuracy { Kind: { } kind } ? new JsonObject { ["kind"] = kind.ToString(), ["state"] = state } : state;
        }
        return metrics;
    }

    // ---- restore ------------------------------------------------------------------------------------------

    /// <summary>The optimizer's state and the model weights it belongs to, checked against the model; (null, null) when the checkpoint has none.</summary>
    private (OptimizerState?, IReadOnlyList<Tensor>?) ReadOptimizer(Model model, IReadOnlyList<Tensor> weights, SafeTensorsFile file)
    {
        if (_optimizer["name"] is null) return (null, null);
        string name = ExactJson.ReadString(_optimizer["name"], "optimizer.name");
        if (model.Optimizer is not { } optimizer)
            throw Mismatch(model, $"the checkpoint holds the state of a '{name}' optimizer but the model is not compiled; compile it first");
        if (optimizer.Name != name)
            throw Mismatch(model, $"the checkpoint holds the state of a '{name}' optimizer but the model is compiled with '{optimizer.Name}'");
        var indices = ExactJson.ReadArray(_optimizer["weights"], "optimizer.weights")
            .Select((n, j) => (int)ExactJson.ReadInteger(n, $"optimizer.weights[{j}]", 0, weights.Count - 1)).ToArray();
        var counts = ExactJson.ReadArray(_optimizer["slots"], "optimizer.slots")
            .Select((n, j) => (int)ExactJson.ReadInteger(n, $"optimizer.slots[{j}]", 0, 16)).ToArray();
        if (counts.Length != indices.Length)
            throw new FormatException($"optimizer.slots has {counts.Length} entries for {indices.Length} variables.");
        var variables = indices.Select(i => weights[i]).ToArray();
        var slots = new IReadOnlyList<float[]>[indices.Length];
        for (int j = 0; j < indices.Length; j++)
        {
            var values = new float[counts[j]][];
            for (int k = 0; k < values.Length; k++)
            {
                if (!file.Tensors.TryGetValue($"optimizer/{j}/{k}", out var slot))
                    throw new FormatException($"the tensor optimizer/{j}/{k} (slot {k} of '{variables[j].Name}') is missing.");
                if (slot.Size != variables[j].Size)
                    throw Mismatch(model, $"slot {k} of optimizer variable {j} has {slot.Size} values but weight '{variables[j].Name}' has {variables[j].Size}");
                values[k] = slot.ToArray();
            }
            slots[j] = values;
        }
        var stateValues = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in ExactJson.ReadObject(_optimizer["values"], "optimizer.values"))
            stateValues[key] = ExactJson.ReadNumber(value, $"optimizer.values.{key}");
        var state = new OptimizerState(name, Iterations, variables.Select(v => v.Name).ToArray(), slots, stateValues, _optimizer["learning_rate"]?.DeepClone());
        return (state, variables);
    }

    private static SafeTensorsFile Read(byte[] bytes, string source)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return SafeTensors.Load(stream, source);
    }

    private JsonNode? Parse(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var text)) throw new FormatException($"the metadata has no '{key}'.");
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the metadata '{key}' is not valid JSON: {e.Message}", e);
        }
    }

    private static string Word(ulong value) => value.ToString("x16", CultureInfo.InvariantCulture);

    private static ulong ParseWord(string text, string what) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw new FormatException($"{what} '{text}' is not a hexadecimal 64-bit word.");

    private static string Names(IEnumerable<JsonNode?> names) => Names(names.Select(n => n?.ToString()));

    private static string Names(IEnumerable<string?> names)
    {
        var list = names.Select(n => n ?? "unnamed").ToList();
        return list.Count <= 6 ? string.Join(", ", list) : string.Join(", ", list.Take(6)) + $", ... ({list.Count - 6} more)";
    }

    private InvalidDataException Invalid(string problem, Exception? inner = null) =>
        new($"TrainingCheckpoint '{_source}': {problem}", inner);

    private ArgumentException Mismatch(Model model, string problem) =>
        new($"TrainingCheckpoint.Restore: '{_source}' does not fit model '{model.Name}': {problem}.", nameof(model));
}

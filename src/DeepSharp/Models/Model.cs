using System.Text;

namespace DeepSharp;

/// <summary>
/// A trainable graph of layers with Keras' training API: <see cref="Compile"/>, <see cref="Fit(Tensor, Tensor, int, int, int, IReadOnlyList{Callback}?, double, ValueTuple{Tensor, Tensor}?, bool, int, long?, IReadOnlyDictionary{int, double}?, Tensor?)"/>,
/// <see cref="Evaluate(Tensor, Tensor, int, int, Tensor?)"/>, <see cref="Predict(Tensor, int, int)"/>, <see cref="TrainOnBatch(Tensor, Tensor)"/>, <see cref="TestOnBatch(Tensor, Tensor)"/>,
/// weights access, <see cref="Summary"/>, and saving.
/// </summary>
public partial class Model : Layer
{
    private IReadOnlyList<Tensor> _trainableAtCompile = [];
    private bool _trainableCaptured;
    private Dictionary<Layer, bool>? _trainableFlagsAtCompile;
    private readonly Dictionary<string, double> _batchLogs = new(StringComparer.Ordinal);
    private Trainer? _trainer;

    /// <summary>Creates a model.</summary>
    protected Model(string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
    }

    /// <inheritdoc/>
    internal override bool IsModel => true;

    /// <summary>The optimizer given to <see cref="Compile"/>.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss given to <see cref="Compile"/>.</summary>
    public Loss? Loss { get; private set; }

    /// <summary>The metrics given to <see cref="Compile"/>: those of <c>metrics</c>, then those of <c>weightedMetrics</c>.</summary>
    public IReadOnlyList<Metric> Metrics { get; private set; } = [];

    /// <summary>How many of <see cref="Metrics"/>, at its end, are weighted by sample weights (Compile's <c>weightedMetrics</c>).</summary>
    public int WeightedMetricCount { get; private set; }

    /// <summary>What the output layer applies last, read at <see cref="Compile"/>: a cross-entropy binds to a softmax's logits by it.</summary>
    internal OutputActivation OutputActivation { get; private set; }

    /// <summary>
    /// The ranks <c>Fit</c> trains over, data-parallel. Null (the default): every rank of the run when Open MPI's mpirun
    /// launched this process (<see cref="DeepSharp.Communicator.Start"/>), else this process alone; set
    /// <see cref="SingleProcessCommunicator.Instance"/> to train each process on its own.
    /// </summary>
    /// <remarks>
    /// Over several ranks, <c>Fit</c>'s batch size is the global batch, as in Keras' multi-worker training: each rank
    /// takes its share of every batch of one shuffled order, the gradients of the whole batch are averaged in one
    /// all-reduce, and N ranks train as one process with the same batch size would, N times faster at best. (Horovod's
    /// habit, a batch per rank and the learning rate scaled by the ranks, is a batch size N times larger with
    /// <see cref="LearningRateScaling.Scale"/>.) Every rank starts from rank 0's weights and optimizer state, the moving
    /// statistics of batch normalization are averaged with each step, and the weights stay bit-identical on all ranks
    /// (checked after every epoch). The loss, the metrics and the validation (split over the ranks) are of all ranks'
    /// samples, the same on every rank; the progress bar shows rank 0's metrics until the epoch ends. Rank 0 alone prints
    /// and runs the callbacks that write (<see cref="Callback.RankZeroOnly"/>). <c>TrainOnBatch</c>, <c>Evaluate</c> and
    /// <c>Predict</c> stay on the calling rank (no collective), so rank 0 may call them alone; a custom loop trains
    /// data-parallel with <see cref="DistributedOptimizer"/>.
    /// </remarks>
    public ICommunicator? Communicator { get; set; }

    /// <summary>
    /// Over several ranks, give each rank a share of every batch in proportion to its speed instead of an equal one
    /// (default false): for ranks on cores or hosts that differ in speed, where equal shares make every step wait for the
    /// slowest rank. Each rank times its own part of every step, and at each epoch's end the ranks agree on the next
    /// epoch's shares (kept for the model's next Fit). Each step still averages the gradients of the whole batch, so the
    /// training is the same as with equal shares up to rounding; but since the shares follow measured times, two runs
    /// are no longer bit-identical to each other (the ranks' weights still are, after every step). It applies when Fit
    /// chooses each rank's rows: arrays, a <see cref="DataLoader"/> or an <see cref="ImageFlow"/> without a shard of
    /// the caller's. Every rank must set it alike.
    /// </summary>
    public bool BalanceRanks { get; set; }

    /// <summary>The ranks' parts of each batch that the last balanced Fit ended with (see <see cref="BalanceRanks"/>), or null.</summary>
    internal int[]? RankParts { get; set; }

    /// <summary>Whether <see cref="Compile"/> has been called.</summary>
    public bool IsCompiled => Optimizer is not null && Loss is not null;

    /// <summary>Set by a callback to end <c>Fit</c> after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why training was stopped early (set by whoever set <see cref="StopTraining"/>).</summary>
    public string? StopReason { get; set; }

    /// <summary>Where the running <c>Fit</c> is (null outside Fit): read by checkpoints, and by interrupts to stop after a batch.</summary>
    internal TrainingProgress? FitProgress { get; set; }

    /// <summary>
    /// Asks the running <c>Fit</c> to stop after its current batch, before the epoch ends, as Ctrl-C does under a
    /// <see cref="BackupAndRestore"/> (which then saves where it stopped, so that the next Fit continues there); Fit
    /// returns a <see cref="History"/> whose <see cref="History.Interrupted"/> is true. Safe to call from any thread;
    /// outside Fit, and in a data-parallel Fit (over several ranks), it does nothing and returns false.
    /// </summary>
    /// <param name="reason">Why, for <see cref="History.StopReason"/> and the checkpoint.</param>
    public bool InterruptTraining(string reason = "requested")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        // A rank of a data-parallel Fit cannot stop alone: the others would wait for it in their next all-reduce.
        if (FitProgress is not { DataParallel: false } progress) return false;
        progress.RequestInterrupt(reason);
        return true;
    }

    /// <summary>The layers of the model, in order (a functional model lists its inputs first).</summary>
    public virtual IReadOnlyList<Layer> Layers => _graph?.Layers ?? [];

    /// <summary>The trainable weights as of the last <see cref="Compile"/> (what Fit updates).</summary>
    internal IReadOnlyList<Tensor> TrainableAtCompile => _trainableAtCompile;

    /// <summary>
    /// Configures training, as Keras' <c>compile</c>: the optimizer, the loss, and the metrics to report.
    /// Which weights are trainable is fixed now (change <see cref="Layer.Trainable"/>, then compile again).
    /// "accuracy" (and "crossentropy") are resolved from the shapes of the targets and outputs at the first
    /// batch, whatever the loss, as Keras does.
    /// </summary>
    /// <param name="optimizer">Updates the weights.</param>
    /// <param name="loss">What training minimises.</param>
    /// <param name="metrics">Reported each epoch; as in Keras they ignore sample and class weights.</param>
    /// <param name="weightedMetrics">
    /// Reported each epoch as weighted means under Fit's and Evaluate's sample or class weights (Keras'
    /// <c>weighted_metrics</c>); one named like a metric of <paramref name="metrics"/> is reported as "weighted_" + its name.
    /// </param>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<Metric>? metrics = null, IEnumerable<Metric>? weightedMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        Optimizer = optimizer;
        Loss = loss;
        OutputActivation = OutputActivationOf(this);
        var plain = (metrics ?? []).Select(m => Fresh(m, loss)).ToList();
        var weighted = (weightedMetrics ?? []).Select(m => Fresh(m, loss)).ToList();
        foreach (var metric in weighted)
            if (plain.Any(m => m.Name == metric.Name)) metric.Name = "weighted_" + metric.Name;
        Metrics = [.. plain, .. weighted];
        WeightedMetricCount = weighted.Count;
        var names = Metrics.Select(m => m.Name).Prepend("loss").ToList();
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Compile: the metric name '{duplicate.Key}' appears twice; metric names must be unique.", nameof(metrics));
        _trainableCaptured = false;
        _trainableFlagsAtCompile = null;
        if (IsBuilt) FreezeTrainableWeights();
        else
        {
            // No weights yet: remember which layers are trainable now, and pick their weights once built.
            _trainableFlagsAtCompile = new Dictionary<Layer, bool>(ReferenceEqualityComparer.Instance);
            RecordTrainableFlags(this, _trainableFlagsAtCompile);
        }
    }

    /// <summary>
    /// The metric Compile keeps for <paramref name="metric"/>: a new "accuracy" that resolves from the first batch of this
    /// model (not one resolved for another), any other metric as its <see cref="Metric.ResolveFor"/> gives it.
    /// </summary>
    private static Metric Fresh(Metric metric, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric is Accuracy accuracy ? new Accuracy(accuracy.Name) : metric.ResolveFor(loss);
    }

    /// <summary>The activation the output layer applies last, from the "activation" of its config (inside nested models too).</summary>
    private static OutputActivation OutputActivationOf(Layer? layer)
    {
        while (layer is Model model)
            layer = model.Outputs.Count == 1 ? model.Outputs[0].Layer : model.Layers.Count > 0 ? model.Layers[^1] : null;
        return layer?.GetConfig()["activation"] switch
        {
            null => OutputActivation.Unknown,
            System.Text.Json.Nodes.JsonValue name when name.TryGetValue(out string? n) =>
                n switch { "softmax" => OutputActivation.Softmax, "sigmoid" => OutputActivation.Sigmoid, _ => OutputActivation.Other },
            _ => OutputActivation.Other, // an activation with arguments (leaky_relu's slope)
        };
    }

    /// <summary>Whether the trainable weights of the last <see cref="Compile"/> have been captured (the model was built).</summary>
    internal bool TrainableCaptured => _trainableCaptured;

    private static void RecordTrainableFlags(Layer layer, Dictionary<Layer, bool> flags)
    {
        flags[layer] = layer.Trainable;
        if (layer is Model model)
            foreach (var child in model.Layers)
                if (!flags.ContainsKey(child)) RecordTrainableFlags(child, flags);
    }

    /// <summary>
    /// Records which weights are trainable, as Keras does at compile time: from the layers' flags as they
    /// were at <see cref="Compile"/> when the model was built later, else from their flags now.
    /// </summary>
    internal void FreezeTrainableWeights()
    {
        if (_trainableFlagsAtCompile is { } flags)
        {
            var collected = new List<Tensor>();
            CollectTrainableWeights(collected, flags);
            _trainableAtCompile = collected.Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().ToList();
            _trainableFlagsAtCompile = null;
        }
        else _trainableAtCompile = TrainableWeights.ToList();
        _trainableCaptured = true;
        // Compiling again after unfreezing layers: the optimizer already serving this model learns the new
        // variables. One built for another model is left alone, so using it here fails as "unknown variable".
        if (Optimizer is { IsBuilt: true } optimizer && Weights.Any(optimizer.Knows)) optimizer.Build(_trainableAtCompile);
    }

    /// <inheritdoc/>
    internal override void CollectTrainableWeights(List<Tensor> into, IReadOnlyDictionary<Layer, bool> flags)
    {
        if (!(flags.TryGetValue(this, out bool trainable) ? trainable : Trainable)) return;
        foreach (var layer in Layers) layer.CollectTrainableWeights(into, flags);
    }

    /// <summary>Runs one optimization step on a batch; returns the batch's loss and metrics.</summary>
    public IReadOnlyDictionary<string, double> TrainOnBatch(Tensor x, Tensor y) => OnBatch(x, y, train: true);

    /// <summary>Computes the loss and metrics of a batch without training.</summary>
    public IReadOnlyDictionary<string, double> TestOnBatch(Tensor x, Tensor y) => OnBatch(x, y, train: false);

    /// <summary>One batch with fresh metrics, as Keras' train_on_batch/test_on_batch (reset_metrics=True).</summary>
    private IReadOnlyDictionary<string, double> OnBatch(Tensor x, Tensor y, bool train)
    {
        var trainer = Trainer;
        return trainer.Logs(_batchLogs, trainer.Step(x, y, train), prefix: "");
    }

    /// <summary>The training loop behind Fit, Evaluate, Predict and the batch calls.</summary>
    private Trainer Trainer => _trainer ??= new Trainer(this);

    /// <summary>
    /// Trains the model, as Keras' <c>fit</c>. <paramref name="validationSplit"/> holds out the last fraction
    /// of the samples (before shuffling) for validation; <paramref name="validationData"/> gives a separate set.
    /// Training stops early when a callback sets <see cref="StopTraining"/> or the loss becomes NaN.
    /// </summary>
    /// <param name="x">Inputs: (samples, ...).</param>
    /// <param name="y">Targets: (samples, ...).</param>
    /// <param name="batchSize">Samples per gradient step.</param>
    /// <param name="epochs">The epoch to end at (with <paramref name="initialEpoch"/>, as Keras).</param>
    /// <param name="verbose">0 silent, 1 progress bar, 2 one line per epoch.</param>
    /// <param name="callbacks">Called during training.</param>
    /// <param name="validationSplit">Fraction in [0, 1) of the data held out for validation.</param>
    /// <param name="validationData">Separate validation inputs and targets.</param>
    /// <param name="shuffle">Shuffle the training samples each epoch.</param>
    /// <param name="initialEpoch">The epoch to start at (to resume training).</param>
    /// <param name="seed">Seed for shuffling; the same seed gives the same batches.</param>
    /// <param name="classWeight">
    /// Keras' <c>class_weight</c>: a weight per class index, applied to each training sample by its target's class (the
    /// arg-max of a one-hot row, else the label); classes not listed weigh 1. Not with <paramref name="sampleWeight"/>.
    /// </param>
    /// <param name="sampleWeight">
    /// Keras' <c>sample_weight</c>: one weight per sample, shape (samples) or (samples, 1). The loss of a batch becomes
    /// Σ w·l / batch size (Keras' sum_over_batch_size), and Compile's <c>weightedMetrics</c> are weighted means; with
    /// <paramref name="validationSplit"/> the held-out weights score the validation part.
    /// </param>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IReadOnlyList<Callback>? callbacks = null, double validationSplit = 0, (Tensor X, Tensor Y)? validationData = null,
        bool shuffle = true, int initialEpoch = 0, long? seed = null,
        IReadOnlyDictionary<int, double>? classWeight = null, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Trainer.Fit([x], y, batchSize, epochs, verbose, callbacks, validationSplit, validationData, shuffle, initialEpoch, seed, several: false,
            sampleWeight, classWeight);
    }

    /// <summary>
    /// Trains the model on batches from <paramref name="source"/>, as Keras' <c>fit</c> given a generator: an
    /// <see cref="ImageDataGenerator"/>'s <c>Flow(x, y)</c>, a <see cref="DataLoader"/>, or any
    /// <see cref="IBatchSource"/>. The source decides batch size, order and augmentation; epoch e asks it for
    /// <c>GetBatches(e)</c>. The model is built from the first batch's shape if it is not built yet.
    /// </summary>
    /// <param name="source">Where the training batches come from (it stays the caller's to dispose).</param>
    /// <param name="epochs">The epoch to end at (with <paramref name="initialEpoch"/>, as Keras).</param>
    /// <param name="verbose">0 silent, 1 progress bar, 2 one line per epoch.</param>
    /// <param name="callbacks">Called during training.</param>
    /// <param name="validationData">Validation inputs and targets, evaluated after each epoch.</param>
    /// <param name="initialEpoch">The epoch to start at (to resume training).</param>
    /// <param name="validationBatchSize">Samples per batch when evaluating <paramref name="validationData"/>.</param>
    public History Fit(IBatchSource source, int epochs = 1, int verbose = 1, IReadOnlyList<Callback>? callbacks = null,
        (Tensor X, Tensor Y)? validationData = null, int initialEpoch = 0, int validationBatchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Trainer.FitSource(source, epochs, verbose, callbacks, validationData, initialEpoch, validationBatchSize);
    }

    /// <summary>
    /// The loss and metrics over a whole dataset, as Keras' <c>evaluate</c>; <paramref name="sampleWeight"/> (one
    /// weight per sample) weighs the loss and Compile's <c>weightedMetrics</c> as in Fit.
    /// </summary>
    public EvaluationResult Evaluate(Tensor x, Tensor y, int batchSize = 32, int verbose = 1, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Trainer.Evaluate([x], y, batchSize, verbose, "Evaluate", several: false, sampleWeight: sampleWeight);
    }

    /// <summary>The model's outputs for <paramref name="x"/>, computed in batches, as Keras' <c>predict</c>.</summary>
    /// <param name="x">Inputs: (samples, ...).</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="verbose">1 a progress bar (as Keras' default), 2 one line at the end, 0 nothing.</param>
    public Tensor Predict(Tensor x, int batchSize = 32, int verbose = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Trainer.Predict(x, batchSize, verbose);
    }

    /// <summary>Copies of all weights' values, in <see cref="Layer.Weights"/> order (Keras' <c>get_weights</c>).</summary>
    public float[][] GetWeights() => Weights.Select(w => w.ToArray()).ToArray();

    /// <summary>Sets all weights from values in <see cref="Layer.Weights"/> order (Keras' <c>set_weights</c>).</summary>
    public void SetWeights(IReadOnlyList<float[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var weights = Weights;
        if (values.Count != weights.Count)
            throw new ArgumentException($"SetWeights: the model has {weights.Count} weights but {values.Count} arrays were given.", nameof(values));
        for (int i = 0; i < weights.Count; i++)
        {
            if (values[i].Length != weights[i].Size)
                throw new ArgumentException(
                    $"SetWeights: weight {i} ('{weights[i].Name}') has shape {weights[i].Shape} ({weights[i].Size} values) but {values[i].Length} were given.", nameof(values));
            weights[i].CopyFrom(values[i]);
        }
    }

    /// <summary>
    /// A table of the layers with their output shapes and parameter counts, as Keras' <c>summary()</c>;
    /// written to <paramref name="output"/> (standard output by default) and returned.
    /// </summary>
    public string Summary(TextWriter? output = null)
    {
        var rows = new List<(string Layer, string Shape, string Params, string Connected)>();
        if (_graph is { } graph)
        {
            // As Keras for functional models: every layer, inputs included, with the calls that feed it.
            foreach (var layer in graph.Layers)
            {
                var calls = graph.Nodes.Where(n => ReferenceEquals(n.Layer, layer)).ToList();
                var shape = layer is Input input ? input.Shape : calls[0].Outputs[0].Shape;
                var connected = string.Join(", ", calls.SelectMany(n => n.Inputs).Select(t => $"{t.Layer.Name}"));
                rows.Add(($"{layer.Name} ({layer.ClassName})", FormatBatch(shape), layer.CountParams().ToString("N0"), connected == "" ? "-" : connected));
            }
        }
        else
            foreach (var layer in Layers)
            {
                if (layer is Input) continue;
                string shape = layer.IsBuilt && layer.InputShape is { } input ? FormatBatch(layer.ComputeOutputShape(input)) : "?";
                rows.Add(($"{layer.Name} ({layer.ClassName})", shape, layer.IsBuilt ? layer.CountParams().ToString("N0") : "0 (unbuilt)", ""));
            }
        int w1 = Math.Max(28, rows.Select(r => r.Layer.Length).DefaultIfEmpty(0).Max() + 2);
        int w2 = Math.Max(25, rows.Select(r => r.Shape.Length).DefaultIfEmpty(0).Max() + 2);
        int w3 = 15;
        int w4 = _graph is null ? 0 : Math.Max(16, rows.Select(r => r.Connected.Length).DefaultIfEmpty(0).Max() + 2);
        int width = w1 + w2 + w3 + w4;
        var sb = new StringBuilder();
        sb.AppendLine($"Model: \"{Name}\"");
        sb.AppendLine(new string('━', width));
        sb.AppendLine("Layer (type)".PadRight(w1) + "Output Shape".PadRight(w2) + "Param #".PadLeft(w3 - 2) + (w4 > 0 ? "  Connected to" : ""));
        sb.AppendLine(new string('━', width));
        for (int i = 0; i < rows.Count; i++)
        {
            sb.AppendLine((rows[i].Layer.PadRight(w1) + rows[i].Shape.PadRight(w2) + rows[i].Params.PadLeft(w3 - 2) +
                (w4 > 0 ? "  " + rows[i].Connected : "")).TrimEnd());
            sb.AppendLine(i == rows.Count - 1 ? new string('━', width) : new string('─', width));
        }
        long total = IsBuilt ? CountParams() : 0;
        long trainable = IsBuilt ? TrainableWeights.Sum(t => (long)t.Size) : 0;
        sb.AppendLine($" Total params: {total:N0} ({FormatBytes(total * 4)})");
        sb.AppendLine($" Trainable params: {trainable:N0} ({FormatBytes(trainable * 4)})");
        sb.AppendLine($" Non-trainable params: {total - trainable:N0} ({FormatBytes((total - trainable) * 4)})");
        var text = sb.ToString();
        (output ?? Console.Out).Write(text);
        return text;
    }

    private static string FormatBytes(long bytes) =>
        bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.00} MB" : bytes >= 1 << 10 ? $"{bytes / 1024.0:0.00} KB" : $"{bytes} B";
}

using System.Diagnostics;

namespace DeepSharp;

/// <summary>
/// The training loop behind <see cref="Model.Fit(Tensor, Tensor, int, int, int, IReadOnlyList{Callback}?, double, ValueTuple{Tensor, Tensor}?, bool, int, long?, IReadOnlyDictionary{int, double}?, Tensor?)"/>,
/// Evaluate and Predict. Each step runs inside a <see cref="TensorScope"/>, so every intermediate tensor goes
/// back to the pool when the step ends and a steady-state step allocates no managed memory.
/// </summary>
internal sealed class Trainer(Model model)
{
    private readonly Dictionary<string, double> _logs = new(StringComparer.Ordinal);
    private readonly Tensor[] _single = new Tensor[1]; // the one input of a TrainOnBatch(x, y), so that a step allocates nothing
    private DataParallelTraining? _parallel;            // during a Fit over several ranks

    /// <summary>The model's output for a batch: a functional model with several inputs takes all of them.</summary>
    private Tensor Outputs(ReadOnlySpan<Tensor> inputs, bool training) =>
        inputs.Length == 1 ? model.Call(inputs[0], training) : model.RunSingleOutput(inputs, training);

    // ---- one step ------------------------------------------------------------------------------------

    /// <summary>
    /// The loss of a batch, regularization included, and the predictions it was computed from (in the caller's scope);
    /// <paramref name="sampleWeight"/> weighs the samples' losses, as Keras.
    /// </summary>
    internal Tensor ForwardLoss(ReadOnlySpan<Tensor> inputs, Tensor y, bool training, out Tensor predictions, Tensor? sampleWeight = null)
    {
        predictions = Outputs(inputs, training);
        var total = model.Loss!.Compute(y, predictions, model.OutputActivation, sampleWeight);
        var penalty = model.AddRegularizationLosses(null);
        return penalty is null ? total : total + penalty;
    }

    /// <summary>
    /// One optimization step on a batch (one tensor per model input); returns its loss (including regularization).
    /// <paramref name="sampleWeight"/> weighs the loss and the weighted metrics, as Keras.
    /// </summary>
    internal double TrainStep(ReadOnlySpan<Tensor> inputs, Tensor y, Tensor? sampleWeight = null)
    {
        var optimizer = model.Optimizer!;
        double value;
        using (TensorScope.Begin())
        {
            var total = ForwardLoss(inputs, y, training: true, out var predictions, sampleWeight);
            value = total.Item();
            if (!double.IsFinite(value)) return value; // leave the weights as they were
            // Gradients reach the weights trainable at Compile alone: a frozen part (the discriminator inside
            // a GAN's combined model) keeps its Grad untouched for its own training step.
            var trainable = model.TrainableAtCompile;
            GradientEngine.BackwardTo(total, null, retainGraph: false, trainable, results: null);
            optimizer.ApplyGradients(trainable);
            if (OpTimeline.Enabled) OpTimeline.Mark("optimizer step");
            using (Autograd.NoGrad()) UpdateMetrics(y, predictions, sampleWeight);
        }
        return value;
    }

    /// <summary>The loss of a batch (regularization included, as Keras reports it) without training; updates the metrics.</summary>
    internal double TestStep(ReadOnlySpan<Tensor> inputs, Tensor y, Tensor? sampleWeight = null)
    {
        using (TensorScope.Begin())
        using (Autograd.NoGrad())
        {
            var total = ForwardLoss(inputs, y, training: false, out var predictions, sampleWeight);
            double value = total.Item();
            UpdateMetrics(y, predictions, sampleWeight);
            return value;
        }
    }

    /// <summary>As Keras: the metrics of Compile's <c>metrics</c> see no weights, those of <c>weightedMetrics</c> see them.</summary>
    private void UpdateMetrics(Tensor y, Tensor predictions, Tensor? sampleWeight)
    {
        var metrics = model.Metrics;
        int unweighted = metrics.Count - model.WeightedMetricCount;
        for (int i = 0; i < metrics.Count; i++)
        {
            if (i < unweighted || sampleWeight is null) metrics[i].UpdateState(y, predictions);
            else metrics[i].UpdateState(y, predictions, sampleWeight);
        }
    }

    /// <summary>
    /// TrainOnBatch / TestOnBatch: one step on a batch with fresh metrics. <paramref name="several"/> says the
    /// caller gave a list of inputs (a functional model's), rather than one tensor.
    /// </summary>
    internal double Step(IReadOnlyList<Tensor> x, Tensor y, bool train, bool several)
    {
        Prepare(x, y, train ? "TrainOnBatch" : "TestOnBatch", several);
        foreach (var metric in model.Metrics) metric.ResetState();
        var inputs = x as Tensor[] ?? [.. x];
        return train ? TrainStep(inputs, y) : TestStep(inputs, y);
    }

    /// <summary>TrainOnBatch / TestOnBatch with one input tensor.</summary>
    internal double Step(Tensor x, Tensor y, bool train)
    {
        _single[0] = x;
        try
        {
            return Step(_single, y, train, several: false);
        }
        finally
        {
            _single[0] = null!;
        }
    }

    // ---- whole runs ----------------------------------------------------------------------------------

    /// <summary>
    /// Fit on tensors in memory: one per model input (<paramref name="several"/> when the caller gave a list),
    /// batches drawn in one order from all of them.
    /// </summary>
    internal History Fit(IReadOnlyList<Tensor> x, Tensor y, int batchSize, int epochs, int verbose, IReadOnlyList<Callback>? callbacks,
        double validationSplit, (Tensor X, Tensor Y)? validationData, bool shuffle, int initialEpoch, long? seed, bool several,
        Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null)
    {
        CheckFitArguments(batchSize, epochs, verbose, validationSplit, initialEpoch);
        Prepare(x, y, "Fit", several);
        if (validationData is { } given && validationSplit > 0)
            throw new ArgumentException("Fit: pass either validationSplit or validationData, not both.");
        var weights = SampleWeights.For(y, sampleWeight, classWeight, "Fit");

        var trainX = x as Tensor[] ?? [.. x];
        Tensor trainY = y;
        (Tensor X, Tensor Y)? validation = validationData;
        if (validationSplit > 0)
        {
            // As Keras: the last fraction of the samples, taken before any shuffling.
            int samples = y.Shape[0];
            int split = (int)(samples * (1 - validationSplit));
            if (split <= 0 || split >= samples)
                throw new ArgumentException($"Fit: validationSplit {validationSplit} leaves {split} of {samples} samples for training; both parts must be non-empty.", nameof(validationSplit));
            var first = trainX[0];
            trainX = [.. trainX.Select(input => Ops.Slice(input, 0, 0, split))];
            trainY = Ops.Slice(y, 0, 0, split);
            validation = (Ops.Slice(first, 0, split, samples), Ops.Slice(y, 0, split, samples));
            // Keras splits sample weights with the data; the held-out part is evaluated with its weights.
            if (weights is not null)
            {
                _validationWeights = Ops.Slice(weights, 0, split, samples);
                weights = Ops.Slice(weights, 0, 0, split);
            }
        }
        if (validation is { } v) CheckPair(v.X, v.Y, "Fit (validationData)");
        var parallel = DataParallelTraining.For(model);
        if (parallel is not null && weights is not null)
        {
            _validationWeights = null;
            throw new NotSupportedException("Fit: sampleWeight and classWeight are not supported in a data-parallel run yet; train on one process to use them.");
        }
        if (parallel is not null) seed = parallel.AgreeSeed(seed);    // one epoch order on every rank
        // The weights travel through the loader as one more input, so they are shuffled and batched with the samples.
        using var source = new DataLoader(weights is null ? trainX : [.. trainX, weights], trainY, batchSize, shuffle, seed);
        _weighted = weights is not null;
        try
        {
            return Run(source, epochs, verbose, callbacks, validation, batchSize, initialEpoch, parallel: parallel);
        }
        finally
        {
            _validationWeights = null;
            _weighted = false;
        }
    }

    /// <summary>While Fit runs on weighted samples: the loader's last input is the weights.</summary>
    private bool _weighted;

    /// <summary>The sample weights of the part validationSplit held out, while Fit runs.</summary>
    private Tensor? _validationWeights;

    /// <summary>Fit over batches from a source (an augmenting generator, a loader): the model is built from the first batch.</summary>
    internal History FitSource(IBatchSource source, int epochs, int verbose, IReadOnlyList<Callback>? callbacks,
        (Tensor X, Tensor Y)? validationData, int initialEpoch, int validationBatchSize)
    {
        CheckFitArguments(validationBatchSize, epochs, verbose, 0, initialEpoch);
        if (!model.IsCompiled)
            throw new InvalidOperationException("Fit: the model must be compiled first: call Compile(optimizer, loss, metrics).");
        if (source.BatchesPerEpoch <= 0)
            throw new ArgumentException($"Fit: the batch source has no batches (it holds {source.SampleCount} samples).", nameof(source));
        if (validationData is { } v) CheckPair(v.X, v.Y, "Fit (validationData)");
        return Run(source, epochs, verbose, callbacks, validationData, validationBatchSize, initialEpoch, prepareOnFirstBatch: true,
            parallel: DataParallelTraining.For(model));
    }

    /// <summary>
    /// The epoch loop over any source of batches (tensors in memory, an augmenting generator), on this process alone or,
    /// with <paramref name="parallel"/>, as one rank of a data-parallel run. A checkpoint restored by a callback's
    /// OnTrainBegin (<see cref="TrainingCheckpoint.Restore"/>) moves the start to where it was taken; an interrupt
    /// (<see cref="TrainingProgress.RequestInterrupt"/>) stops the loop after the current batch, before the epoch's end,
    /// with the position kept in <see cref="Model.FitProgress"/> for the callbacks' OnTrainEnd. Neither is supported
    /// over several ranks yet (a rank cannot skip batches or stop alone without leaving the others waiting).
    /// </summary>
    internal History Run(IBatchSource source, int epochs, int verbose, IReadOnlyList<Callback>? callbacks,
        (Tensor X, Tensor Y)? validation, int validationBatchSize, int initialEpoch, bool prepareOnFirstBatch = false,
        DataParallelTraining? parallel = null)
    {
        if (parallel is null) return RunEpochs(source, epochs, verbose, callbacks, validation, validationBatchSize, initialEpoch, prepareOnFirstBatch);
        parallel.Attach(source, epochs, initialEpoch, validation?.Y.Shape[0] ?? 0);
        _parallel = parallel;
        try
        {
            // Rank 0 alone prints, and runs the callbacks that write files; the others run those that decide.
            return RunEpochs(source, epochs, parallel.Rank == 0 ? verbose : 0, callbacks?.Where(c => parallel.Rank == 0 || !c.RankZeroOnly).ToList(),
                validation, validationBatchSize, initialEpoch, prepareOnFirstBatch);
        }
        finally
        {
            _parallel = null;
            parallel.Detach();
        }
    }

    private History RunEpochs(IBatchSource source, int epochs, int verbose, IReadOnlyList<Callback>? callbacks,
        (Tensor X, Tensor Y)? validation, int validationBatchSize, int initialEpoch, bool prepareOnFirstBatch)
    {
        var parallel = _parallel;
        var history = new History();
        var all = new List<Callback>(callbacks ?? []) { history };
        foreach (var callback in all) (callback.Model, callback.Rank) = (model, parallel?.Rank ?? 0);
        model.StopTraining = false;
        model.StopReason = null;
        var progress = new TrainingProgress(history, source, epochs) { Epoch = initialEpoch, AtTrainBegin = true, DataParallel = parallel is not null };
        model.FitProgress = progress;
        try
        {
            _logs.Clear();
            foreach (var callback in all) callback.OnTrainBegin(_logs);
            progress.AtTrainBegin = false;
            var resume = progress.Resume;
            if (resume is not null && parallel is not null)
                throw new NotSupportedException($"Fit: a training checkpoint cannot be restored into a data-parallel Fit (rank {parallel.Rank}) yet; " +
                    "continue it on one process, or start the run over the ranks afresh.");
            if (resume is not null) initialEpoch = StartFrom(resume, source, history);
            bool begun = false;

            for (int epoch = initialEpoch; epoch < epochs && !model.StopTraining; epoch++)
            {
                _logs.Clear();
                bool resumed = resume is not null && epoch == resume.Epoch && resume.Step > 0;
                progress.Epoch = epoch;
                progress.Step = resumed ? resume!.Step : 0;
                progress.LossSum = resumed ? resume!.LossSum : 0;
                progress.Samples = resumed ? resume!.Samples : 0;
                progress.SecondsBefore = resumed ? resume!.Seconds : 0;
                foreach (var callback in all) callback.OnEpochBegin(epoch, _logs);
                foreach (var metric in model.Metrics)
                {
                    metric.ResetState();
                    if (resumed) resume!.RestoreMetric(metric);
                }
                if (progress.InterruptReason is not null) break; // asked before a batch of this epoch ran: it starts here again
                if (verbose > 0) ProgressBar.CurrentOutput.WriteLine($"Epoch {epoch + 1}/{epochs}");
                var bar = verbose > 0 ? new ProgressBar(source.BatchesPerEpoch, verbose) : null;
                var clock = Stopwatch.StartNew();
                progress.Clock = clock;
                double lossSum = progress.LossSum;
                int step = progress.Step, samples = progress.Samples;
                if (step > 0) bar?.Update(step, Logs(_logs, lossSum / step, prefix: ""));
                foreach (var batch in source.GetBatches(epoch, step))
                {
                    var inputs = batch.Inputs;
                    var y = batch.Y;
                    Tensor? batchWeights = null;
                    if (_weighted)
                    {
                        batchWeights = inputs[^1];
                        inputs = inputs[..^1];
                    }
                    if (prepareOnFirstBatch)
                    {
                        // A source shows its data only batch by batch: check and build against the first one.
                        Prepare(inputs.ToArray(), y, "Fit", several: inputs.Length > 1);
                        if (validation is { } check) Prepare([check.X], check.Y, "Fit (validationData)", several: false);
                        prepareOnFirstBatch = false;
                    }
                    if (parallel is not null && !begun)
                    {
                        parallel.Begin(); // built now: every rank starts from rank 0's weights, after the callbacks' start
                        begun = true;
                    }
                    foreach (var callback in all) callback.OnTrainBatchBegin(step, _logs);
                    double loss;
                    int batchSamples;
                    if (parallel is null)
                    {
                        loss = TrainStep(inputs, y, batchWeights);
                        batchSamples = batch.Size;
                    }
                    else
                    {
                        float weight = parallel.Take(batch, ref inputs, ref y);
                        loss = parallel.TrainStep(this, inputs, y, weight);
                        batchSamples = parallel.LastBatchSamples;
                    }
                    if (!double.IsFinite(loss))
                    {
                        history.StoppedOnNaN = true;
                        history.StopReason = model.StopReason =
                            $"Epoch {epoch + 1}, batch {step + 1}: the loss is {loss}; training stopped (weights are those before this batch). " +
                            "Try a lower learning rate, check the inputs for NaN or infinite values, or clip gradients (clipNorm).";
                        model.StopTraining = true;
                        if (parallel is null || parallel.Rank == 0) Console.Error.WriteLine(history.StopReason);
                        break;
                    }
                    lossSum += loss;
                    samples += batchSamples;
                    step++;
                    progress.Step = step;
                    progress.LossSum = lossSum;
                    progress.Samples = samples;
                    Logs(_logs, lossSum / step, prefix: "");
                    bar?.Update(step, _logs);
                    foreach (var callback in all) callback.OnTrainBatchEnd(step - 1, _logs);
                    if (progress.InterruptReason is not null) break;
                }
                clock.Stop();
                if (history.StoppedOnNaN || progress.InterruptReason is not null)
                {
                    if (bar is not null) ProgressBar.CurrentOutput.WriteLine();
                    break;
                }
                history.RecordTiming(samples, progress.Seconds);
                progress.Clock = null;
                Logs(_logs, lossSum / Math.Max(1, step), prefix: "");
                if (parallel is not null)
                {
                    parallel.VerifyReplicas();
                    var metrics = parallel.CombineMetrics(samples);
                    for (int m = 0; m < metrics.Length; m++) _logs[model.Metrics[m].Name] = metrics[m];
                }
                if (validation is { } v)
                {
                    var result = parallel?.Validate(this, v.X, v.Y, validationBatchSize)
                        ?? Evaluate([v.X], v.Y, validationBatchSize, verbose: 0, "Fit (validation)", several: false, prepared: true, sampleWeight: _validationWeights);
                    foreach (var (key, value) in result.Values) _logs["val_" + key] = value;
                }
                bar?.Finish(_logs);
                foreach (var callback in all) callback.OnEpochEnd(epoch, _logs);
                // A callback that stops training on one rank stops it on all, after the same epoch.
                if (parallel is not null)
                {
                    model.StopTraining = parallel.AnyStops(model.StopTraining);
                    parallel.Rebalance();
                }
                // Between epochs: the position is the next epoch's start.
                progress.Epoch = epoch + 1;
                progress.Step = 0;
                progress.LossSum = 0;
                progress.Samples = 0;
                progress.SecondsBefore = 0;
                if (progress.InterruptReason is { } reason && epoch + 1 < epochs) break;
            }
            if (progress.InterruptReason is { } interrupt && !history.StoppedOnNaN && progress.Epoch < epochs)
            {
                progress.Interrupted = history.Interrupted = true;
                history.StopReason = model.StopReason = progress.Step > 0
                    ? $"Interrupted ({interrupt}) after batch {progress.Step} of {source.BatchesPerEpoch} of epoch {progress.Epoch + 1}."
                    : $"Interrupted ({interrupt}) before epoch {progress.Epoch + 1}.";
            }
            if (model.StopTraining && history.StopReason is null) history.StopReason = model.StopReason;
            foreach (var callback in all) callback.OnTrainEnd(_logs);
            return history;
        }
        finally
        {
            progress.Clock = null;
            model.FitProgress = null;
        }
    }

    /// <summary>
    /// Continues from a restored checkpoint: its history, its shuffling seed (so the resumed epoch's order is the one
    /// it was taken in); returns the epoch to start at.
    /// </summary>
    private static int StartFrom(TrainingCheckpoint resume, IBatchSource source, History history)
    {
        history.Restore(resume.HistoryJson);
        if (resume.DataSeed is { } seed)
        {
            if (source is DataLoader loader) loader.Seed = seed;
            else if (source is ImageFlow flow) flow.Seed = seed;
        }
        return resume.Epoch;
    }

    /// <summary>
    /// The loss and metrics over whole tensors, in batches (one tensor per model input); with <paramref name="ranks"/>,
    /// over the tensors of every rank (each evaluates its own, and the sums are added up). <paramref name="sampleWeight"/>
    /// weighs the loss and the weighted metrics.
    /// </summary>
    internal EvaluationResult Evaluate(IReadOnlyList<Tensor> x, Tensor y, int batchSize, int verbose, string caller, bool several, bool prepared = false,
        ICommunicator? ranks = null, Tensor? sampleWeight = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{caller}: batchSize must be positive.");
        CheckVerbose(verbose, caller);
        if (!prepared) Prepare(x, y, caller, several);
        var weights = SampleWeights.For(y, sampleWeight, classWeight: null, caller);
        foreach (var metric in model.Metrics) metric.ResetState();
        using var source = new DataLoader(weights is null ? x : [.. x, weights], y, batchSize, shuffle: false, seed: 0);
        var bar = verbose > 0 ? new ProgressBar(source.BatchCount, verbose) : null;
        double weightedLoss = 0;
        int samples = 0, step = 0;
        var logs = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var batch in source)
        {
            int n = batch.Size;
            var inputs = batch.Inputs;
            weightedLoss += (weights is null ? TestStep(inputs, batch.Y) : TestStep(inputs[..^1], batch.Y, inputs[^1])) * n;
            samples += n;
            bar?.Update(++step, Logs(logs, weightedLoss / samples, prefix: ""));
        }
        double[]? combined = null;
        if (ranks is not null)
        {
            Span<double> totals = [weightedLoss, samples];
            combined = DataParallelTraining.CombineMetrics(ranks, model.Metrics, samples, totals);
            weightedLoss = totals[0];
            samples = (int)totals[1];
        }
        var values = new List<KeyValuePair<string, double>> { new("loss", weightedLoss / Math.Max(1, samples)) };
        for (int m = 0; m < model.Metrics.Count; m++) values.Add(new(model.Metrics[m].Name, combined?[m] ?? model.Metrics[m].Result()));
        bar?.Finish(Logs(logs, values[0].Value, prefix: ""));
        return new EvaluationResult(values);
    }

    internal Tensor Predict(Tensor x, int batchSize, int verbose)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Predict: batchSize must be positive.");
        CheckVerbose(verbose, "Predict");
        if (x.Rank == 0 || x.Shape[0] == 0) throw new ArgumentException($"Predict: x must hold at least one sample; got shape {x.Shape}.", nameof(x));
        model.RequireSingleInputOutput("Predict");
        model.EnsureBuilt(Layer.SampleShape(x.Shape));
        int samples = x.Shape[0];
        Tensor? output = null;
        var bar = verbose > 0 ? new ProgressBar((samples + batchSize - 1) / batchSize, verbose) : null;
        using (Autograd.NoGrad())
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                int end = Math.Min(samples, start + batchSize);
                using (TensorScope.Begin())
                {
                    var batch = model.RunInference(Ops.Slice(x, 0, start, end));
                    if (output is null)
                    {
                        using (TensorScope.Suspend()) output = Tensor.Zeros(batch.Shape.With(0, samples));
                    }
                    Ops.CopyRowsInto(batch, output, start);
                }
                bar?.Update(start / batchSize + 1, NoValues);
            }
        }
        bar?.Finish(NoValues);
        return output!;
    }

    /// <summary>What a Predict bar shows beside its counter: no loss, no metrics.</summary>
    internal static readonly IReadOnlyDictionary<string, double> NoValues = new Dictionary<string, double>();

    internal static void CheckVerbose(int verbose, string caller)
    {
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, $"{caller}: verbose must be 0 (silent), 1 (progress bar) or 2 (one line).");
    }

    // ---- checks and bookkeeping ----------------------------------------------------------------------

    /// <summary>
    /// Checks the model is compiled and the data fits it; builds the model for the data's shape. A list of inputs
    /// (<paramref name="several"/>) is for a functional model, checked input by input.
    /// </summary>
    internal void Prepare(IReadOnlyList<Tensor> x, Tensor y, string caller, bool several)
    {
        if (several)
        {
            PrepareInputs(x, y, caller);
            return;
        }
        var first = x[0];
        if (!model.IsCompiled)
            throw new InvalidOperationException($"{caller}: the model must be compiled first: call Compile(optimizer, loss, metrics).");
        model.RequireSingleInputOutput(caller);
        CheckPair(first, y, caller);
        var sampleShape = Layer.SampleShape(first.Shape);
        if (model.DeclaredInputShape is { } declared && !declared.Accepts(sampleShape))
            throw new ArgumentException(
                $"{caller}: the model '{model.Name}' expects input shape {Layer.FormatBatch(declared)} but x has shape {first.Shape} " +
                $"(samples of {sampleShape}).", nameof(x));
        model.EnsureBuilt(sampleShape);
        if (!model.TrainableCaptured) model.FreezeTrainableWeights();
        if (caller is "Fit" or "Evaluate") model.Loss!.ValidateTargets(y, model.ComputeOutputShape(sampleShape));
    }

    /// <summary>Checks a multi-input call: compiled, one tensor per input of its shape, one output, targets that fit.</summary>
    private void PrepareInputs(IReadOnlyList<Tensor> x, Tensor y, string caller)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (!model.IsCompiled)
            throw new InvalidOperationException($"{caller}: the model must be compiled first: call Compile(optimizer, loss, metrics).");
        if (!model.IsFunctional)
            throw new InvalidOperationException($"{caller}: model '{model.Name}' has one input; pass x as one tensor.");
        model.CheckInputs(x, caller);
        if (model.Outputs.Count != 1)
            throw new InvalidOperationException(
                $"{caller}: model '{model.Name}' has {model.Outputs.Count} outputs; Fit, Evaluate and TrainOnBatch train models with one output. " +
                "Train it with a GradientTape loop that adds the losses of its outputs.");
        CheckPair(x[0], y, caller);
        if (!model.TrainableCaptured) model.FreezeTrainableWeights();
        if (caller is "Fit" or "Evaluate") model.Loss!.ValidateTargets(y, model.FunctionalOutputShapes(x)[0]);
    }

    private static void CheckPair(Tensor x, Tensor y, string caller)
    {
        if (x.Rank == 0 || y.Rank == 0)
            throw new ArgumentException($"{caller}: x and y need a sample dimension first; got shapes {x.Shape} and {y.Shape}.");
        if (x.Shape[0] != y.Shape[0])
            throw new ArgumentException($"{caller}: x has {x.Shape[0]} samples (shape {x.Shape}) but y has {y.Shape[0]} (shape {y.Shape}); they must match.");
        if (x.Shape[0] == 0)
            throw new ArgumentException($"{caller}: the data is empty (x has shape {x.Shape}).");
    }

    private static void CheckFitArguments(int batchSize, int epochs, int verbose, double validationSplit, int initialEpoch)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Fit: batchSize must be a positive integer.");
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Fit: epochs must be >= 0.");
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "Fit: verbose must be 0, 1 or 2.");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, $"Fit: validationSplit must be in [0, 1); got {validationSplit}.");
        if (initialEpoch < 0) throw new ArgumentOutOfRangeException(nameof(initialEpoch), initialEpoch, "Fit: initialEpoch must be >= 0.");
    }

    /// <summary>Fills <paramref name="logs"/> with the loss and the metrics' current results.</summary>
    internal Dictionary<string, double> Logs(Dictionary<string, double> logs, double loss, string prefix)
    {
        logs[prefix + "loss"] = loss;
        foreach (var metric in model.Metrics) logs[prefix + metric.Name] = metric.Result();
        return logs;
    }
}

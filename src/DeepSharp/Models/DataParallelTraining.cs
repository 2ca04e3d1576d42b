namespace DeepSharp;

/// <summary>
/// What Fit does differently when it runs on several ranks (processes launched by mpirun), as Keras' multi-worker
/// strategy and Horovod do it. The batch size is the global batch: each rank takes its consecutive share of every
/// batch (<see cref="BatchShard"/>) of one epoch order, the same on every rank, so one epoch sees every sample once
/// across the ranks and N ranks train as one process would with the same batch size. Each step averages the
/// gradients (weighted by the ranks' shares, so that they are those of the whole batch's mean loss) and the moving
/// statistics of batch normalization in one all-reduce, which also sums the batch's loss. Weights and optimizer state
/// start from rank 0's; metrics and validation are summed over the ranks at the end of each epoch.
/// </summary>
internal sealed class DataParallelTraining
{
    private readonly ICommunicator _communicator;
    private readonly Model _model;
    private readonly BatchShard _shard;
    private DistributedOptimizer? _exchange;
    private readonly float[] _sums = new float[2];      // this rank's loss × samples, and samples
    private readonly Tensor[] _sliced = new Tensor[8];  // a batch's rows of this rank, for a source that does not shard itself
    private readonly float[] _share = new float[1];     // the value of the seed of backward
    private Tensor? _seed;
    private bool _scaleInBackward;
    private Action? _detach;
    private bool _cut;                                  // the source's batches are whole: this rank's rows are cut here
    private int _fullBatch, _count;                     // of a source that shards itself: its batch size and samples

    private DataParallelTraining(ICommunicator communicator, Model model)
    {
        _communicator = communicator;
        _model = model;
        _shard = new BatchShard(communicator.Rank, communicator.Size);
    }

    /// <summary>The data-parallel side of a Fit of <paramref name="model"/>, or null when it trains on one rank.</summary>
    public static DataParallelTraining? For(Model model)
    {
        var communicator = model.Communicator ?? Communicator.Start();
        return communicator.Size > 1 ? new DataParallelTraining(communicator, model) : null;
    }

    /// <summary>This process' rank: rank 0 prints, logs and writes files.</summary>
    public int Rank => _communicator.Rank;

    /// <summary>The samples of the last step's whole batch, over all ranks.</summary>
    public int LastBatchSamples { get; private set; }

    /// <summary>Rank 0's shuffling seed for every rank (drawn there when none was given), so that all walk one order.</summary>
    public long AgreeSeed(long? seed)
    {
        Span<long> value = [seed ?? (long)RandomGenerator.Default.NextUInt64()];
        _communicator.Broadcast(value, 0);
        return value[0];
    }

    /// <summary>
    /// Lets <paramref name="source"/> yield this rank's share of each batch: a <see cref="DataLoader"/> or
    /// <see cref="ImageFlow"/> gets the rank's <see cref="BatchShard"/> for the run (and its own back after); one the
    /// caller gave a shard already yields this rank's batches as they are; the rows of any other source's batches are
    /// cut here. Checks every rank has the same data and settings.
    /// </summary>
    public void Attach(IBatchSource source, int epochs, int initialEpoch, int validationSamples)
    {
        _cut = source is not (DataLoader or ImageFlow);
        switch (source)
        {
            case DataLoader { Shard.IsWhole: true } loader:
                (_fullBatch, _count) = (loader.BatchSize, loader.Count);
                loader.Shard = _shard;
                _detach = () => loader.Shard = BatchShard.Whole;
                break;
            case ImageFlow { Shard.IsWhole: true } flow:
                (_fullBatch, _count) = (flow.BatchSize, flow.Count);
                flow.Shard = _shard;
                _detach = () => flow.Shard = BatchShard.Whole;
                break;
        }
        if (_fullBatch > 0 && Math.Min(_fullBatch, _count) < _communicator.Size)
            throw new ArgumentException($"Fit: a batch of {Math.Min(_fullBatch, _count)} samples cannot be shared by {_communicator.Size} ranks; " +
                $"the batch size is the global batch (each rank takes batchSize / {_communicator.Size} samples), so it must be at least the number of ranks.");
        ReplicaLayout.Agree(_communicator, [source.SampleCount, source.BatchesPerEpoch, epochs, initialEpoch, validationSamples], 0, "Fit",
            s => $"{s[0]} training samples in {s[1]} batches, epochs {s[3]} to {s[2]}, {s[4]} validation samples");
    }

    /// <summary>Gives the source its own shard back.</summary>
    public void Detach()
    {
        _detach?.Invoke();
        _detach = null;
    }

    /// <summary>
    /// Starts every rank from rank 0's weights (trainable or not) and optimizer state, after the callbacks' start (a
    /// restored checkpoint on rank 0 reaches every rank).
    /// </summary>
    public void Begin()
    {
        _communicator.BroadcastWeights(_model.Weights);
        _communicator.BroadcastOptimizerState(_model.Optimizer!);
        _exchange = new DistributedOptimizer(_model.Optimizer!, _communicator) { AveragedState = MovingStatistics.Of(_model) };
        // One bucket when the kernel threads fill this rank's cores (one rank a core, the usual launch): nothing overlaps.
        _exchange.Averager.Overlaps = !DeepSharp.Communicator.KernelThreadsFillCores;
        // DEEPSHARP_GRADIENT_SCALE=separate: the averages are scaled by a pass after the all-reduce (for A/B measurements).
        _scaleInBackward = !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_GRADIENT_SCALE"), "separate", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// This rank's part of <paramref name="batch"/>: its inputs and targets as they are when the source shards itself,
    /// else its rows of them (views). Returns the rank's weight in the gradient average.
    /// </summary>
    public float Take(Batch batch, ref ReadOnlySpan<Tensor> inputs, ref Tensor y)
    {
        if (_fullBatch > 0)
        {
            // The whole batch's size follows from the source's: the weight is exactly 1 when the shares are equal.
            int whole = Math.Min(_fullBatch, _count - batch.Number * _fullBatch);
            return (float)((double)y.Shape[0] * _communicator.Size / whole);
        }
        if (!_cut) return y.Shape[0]; // sharded by the caller: the weights are the samples
        int total = y.Shape[0];
        var (start, length) = _shard.RowsOf(total);
        if (inputs.Length > _sliced.Length)
            throw new NotSupportedException($"Fit: a data-parallel run cuts the batches of a model with at most {_sliced.Length} inputs; this one has {inputs.Length}.");
        for (int i = 0; i < inputs.Length; i++) _sliced[i] = Ops.Slice(inputs[i], 0, start, start + length);
        inputs = _sliced.AsSpan(0, inputs.Length);
        y = Ops.Slice(y, 0, start, start + length);
        return (float)((double)length * _communicator.Size / total);
    }

    /// <summary>
    /// One data-parallel step on this rank's rows: forward, then backward while the gradients it has completed travel
    /// (bucket by bucket, in the background, with the moving statistics and the loss sums in the first bucket), then the
    /// same update on every rank. Returns the whole batch's loss; when it is not finite on some rank, no rank updates
    /// its weights. When Fit cuts the batch, the ranks' weights add up to their number: backward is seeded with this
    /// rank's weight over it (its share of the batch), so its gradients come out already divided and the all-reduce's sums
    /// are the averages, with no pass over them after (for two ranks the same bits: halving is exact in floating point).
    /// </summary>
    public double TrainStep(Trainer trainer, ReadOnlySpan<Tensor> inputs, Tensor y, float weight)
    {
        var trainable = _model.TrainableAtCompile;
        int samples = y.Shape[0];
        using (TensorScope.Begin())
        {
            Tensor? predictions = null;
            Tensor? total = null;
            double loss = 0;
            if (samples > 0)
            {
                total = trainer.ForwardLoss(inputs, y, training: true, out predictions);
                loss = total.Item();
            }
            _sums[0] = (float)(loss * samples);
            _sums[1] = samples;
            float ranks = _scaleInBackward && (_fullBatch > 0 || _cut) && (total is null || total.Size == 1) ? _communicator.Size : 0;
            var listener = _exchange!.BeginExchange(trainable, weight, _sums, gradientsInBuckets: true, ranks);
            if (total is not null && double.IsFinite(loss))
                GradientEngine.BackwardTo(total, ranks > 0 ? Seed(total, weight / ranks) : null, retainGraph: false, trainable, results: null, listener);
            else
                for (int i = trainable.Count - 1; i >= 0; i--) listener.GradientReady(i);
            var averaged = _exchange.EndExchange(_sums);
            double batchLoss = _sums[0] / (double)_sums[1];
            LastBatchSamples = (int)_sums[1];
            if (double.IsFinite(batchLoss)) _model.Optimizer!.ApplyGradients(averaged, trainable);
            for (int i = 0; i < trainable.Count; i++) trainable[i].ZeroGrad();
            if (double.IsFinite(batchLoss) && predictions is not null)
                using (Autograd.NoGrad())
                    foreach (var metric in _model.Metrics) metric.UpdateState(y, predictions);
            return batchLoss;
        }
    }

    /// <summary>The gradient backward starts from: <paramref name="value"/> in the loss' shape (one value), kept from step to step.</summary>
    private Tensor Seed(Tensor loss, float value)
    {
        if (_seed is null || _seed.Shape != loss.Shape)
            using (TensorScope.Suspend()) _seed = Tensor.Zeros(loss.Shape);
        _share[0] = value;
        _seed.CopyFrom(_share);
        return _seed;
    }

    /// <summary>The metrics over every rank's samples of the epoch (their totals summed and set on every rank).</summary>
    public double[] CombineMetrics(int samples) => CombineMetrics(_communicator, _model.Metrics, samples, []);

    /// <summary>
    /// Sums <paramref name="totals"/> and the metrics' running totals over the ranks (a collective), sets the summed
    /// totals on every rank's metrics and returns each metric's result. A metric that keeps no totals
    /// (<see cref="Metric.GetState"/> empty) gets its results averaged, weighted by each rank's <paramref name="samples"/>.
    /// </summary>
    public static double[] CombineMetrics(ICommunicator communicator, IReadOnlyList<Metric> metrics, double samples, Span<double> totals)
    {
        var states = new double[metrics.Count][];
        var hasTotals = new bool[metrics.Count];
        int length = totals.Length;
        for (int m = 0; m < metrics.Count; m++)
        {
            var state = metrics[m].GetState();
            hasTotals[m] = state.Length > 0;
            states[m] = hasTotals[m] ? state : [metrics[m].Result() * samples, samples];
            length += states[m].Length;
        }
        var values = new double[length];
        totals.CopyTo(values);
        int offset = totals.Length;
        foreach (var state in states)
        {
            state.CopyTo(values, offset);
            offset += state.Length;
        }
        RankSums.Sum(communicator, values);
        values.AsSpan(0, totals.Length).CopyTo(totals);
        var results = new double[metrics.Count];
        offset = totals.Length;
        for (int m = 0; m < metrics.Count; m++)
        {
            var summed = values.AsSpan(offset, states[m].Length);
            offset += summed.Length;
            if (!hasTotals[m]) results[m] = summed[1] > 0 ? summed[0] / summed[1] : 0;
            else
            {
                metrics[m].SetState(summed);
                results[m] = metrics[m].Result();
            }
        }
        return results;
    }

    /// <summary>
    /// The validation loss and metrics over all ranks: each rank evaluates its consecutive block of the samples, and
    /// the sums are added up.
    /// </summary>
    public EvaluationResult Validate(Trainer trainer, Tensor x, Tensor y, int batchSize)
    {
        var (start, length) = _shard.RowsOf(y.Shape[0]);
        return trainer.Evaluate([Ops.Slice(x, 0, start, start + length)], Ops.Slice(y, 0, start, start + length), batchSize, verbose: 0,
            "Fit (validation)", several: false, prepared: true, ranks: _communicator);
    }

    /// <summary>Whether any rank's callbacks asked to stop (a collective), so that all ranks stop after the same epoch.</summary>
    public bool AnyStops(bool stop) => RankSums.Any(_communicator, stop);

    /// <summary>Checks the replicas are still bit-identical (weights and moving statistics): a difference is a bug, reported at once.</summary>
    public void VerifyReplicas() => _communicator.VerifyIdentical(_model.Weights, "weights after an epoch of data-parallel training");
}

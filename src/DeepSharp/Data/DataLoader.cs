using System.Collections;
using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// Iterates mini-batches over tensors' first axis: <c>foreach (var (x, y) in new DataLoader(trainX, trainY,
/// batchSize: 32, shuffle: true, seed: 42))</c>. Each enumeration is one epoch; with shuffling, every epoch has
/// its own order (as Keras reshuffles each epoch), derived from the seed and the epoch number alone, so a run
/// is reproducible and can resume at any epoch. The last, smaller batch is included unless
/// <see cref="DropLast"/> is set.
/// </summary>
/// <remarks>
/// <para>
/// Batches are copied into tensors the loader owns, taken from the tensor pool when the first batch is made
/// and reused for every batch after: iterating allocates no managed memory. A batch is therefore valid only
/// until the enumeration moves to the next one; use it within the training step. Disposing the loader returns
/// those tensors to the pool. The batch tensors belong to no <see cref="TensorScope"/>, so a scope around a
/// training step never disposes them.
/// </para>
/// <para>
/// One enumeration at a time: starting another (a nested <c>foreach</c> over the same loader) makes the first
/// throw when it moves on, because both would write the same batch tensors. Not thread-safe.
/// </para>
/// </remarks>
public sealed partial class DataLoader : IEnumerable<Batch>, IBatchSource, IEpochBatches, IDisposable
{
    private readonly Tensor[] _inputs;
    private readonly Tensor? _y;
    private readonly bool _ownsSources; // the inputs and y are contiguous copies of views the caller gave
    private readonly int[] _rowLengths;
    private readonly int _yRowLength;
    private readonly int[] _order;
    private readonly RandomGenerator _random = new(0);
    private readonly Tensor[] _full, _last; // the batch tensors of each input: full batches, and a smaller last one
    private readonly Tensor[] _fullOdd;     // full batches of odd number, while the next one is gathered into _full (and back)
    private Tensor? _yFull, _yLast, _yFullOdd;
    private int _version;   // counts enumerations; only the newest can move on
    private int _nextBatch; // the batch the enumeration takes next
    private bool _disposed;

    /// <summary>Creates a loader over <paramref name="x"/> and, optionally, targets <paramref name="y"/> with as many rows.</summary>
    /// <param name="x">The inputs; samples along the first axis.</param>
    /// <param name="y">The targets, row i belonging to sample i of <paramref name="x"/>; null to yield inputs only.</param>
    /// <param name="batchSize">Samples per batch (Keras' default is 32).</param>
    /// <param name="shuffle">Whether to visit samples in a new random order each epoch.</param>
    /// <param name="seed">The shuffling seed; when null one is drawn from <see cref="RandomGenerator.Default"/> (reproducible after <see cref="RandomGenerator.SetSeed"/>).</param>
    /// <param name="dropLast">Whether to skip the last batch when it is smaller than <paramref name="batchSize"/>.</param>
    /// <remarks>
    /// The loader reads <paramref name="x"/> and <paramref name="y"/> while it iterates (keep them alive); a
    /// non-contiguous view is copied once, here.
    /// </remarks>
    public DataLoader(Tensor x, Tensor? y = null, int batchSize = 32, bool shuffle = false, long? seed = null, bool dropLast = false)
        : this(CheckInput(x), y, batchSize, shuffle, seed, dropLast)
    {
    }

    /// <summary>
    /// Creates a loader over several inputs with as many rows each (a model with several inputs), drawn in one
    /// order: batch i holds the same samples of every input and of <paramref name="y"/>.
    /// </summary>
    /// <param name="inputs">One tensor per model input; samples along the first axis.</param>
    /// <param name="y">The targets; null to yield inputs only.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Whether to visit samples in a new random order each epoch.</param>
    /// <param name="seed">The shuffling seed; when null one is drawn from <see cref="RandomGenerator.Default"/>.</param>
    /// <param name="dropLast">Whether to skip the last batch when it is smaller than <paramref name="batchSize"/>.</param>
    public DataLoader(IReadOnlyList<Tensor> inputs, Tensor? y = null, int batchSize = 32, bool shuffle = false, long? seed = null, bool dropLast = false)
        : this(CheckInputs(inputs), y, batchSize, shuffle, seed, dropLast)
    {
    }

    private DataLoader(Tensor[] inputs, Tensor? y, int batchSize, bool shuffle, long? seed, bool dropLast)
    {
        var x = inputs[0];
        if (y is not null && (y.Rank == 0 || y.Shape[0] != x.Shape[0]))
            throw new ArgumentException($"DataLoader: x has {x.Shape[0]} samples (shape {x.Shape}) but y has shape {y.Shape}; y needs one row per sample.", nameof(y));
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "DataLoader: batchSize must be at least 1.");

        Count = x.Shape[0];
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Seed = seed ?? (long)RandomGenerator.Default.NextUInt64();
        if (inputs.Any(i => !i.IsContiguous) || (y is not null && !y.IsContiguous))
        {
            using var unscoped = TensorScope.Suspend();
            for (int i = 0; i < inputs.Length; i++) inputs[i] = inputs[i].ContiguousCopy();
            y = y?.ContiguousCopy();
            _ownsSources = true;
        }
        _inputs = inputs;
        _y = y;
        _rowLengths = inputs.Select(i => Count == 0 ? 0 : i.Size / Count).ToArray();
        _yRowLength = Count == 0 || y is null ? 0 : y.Size / Count;
        _order = new int[Count];
        _full = new Tensor[inputs.Length];
        _fullOdd = new Tensor[inputs.Length];
        _last = new Tensor[inputs.Length];
    }

    private static Tensor[] CheckInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0)
            throw new ArgumentException("DataLoader: x is a scalar; samples are taken along the first axis, so x needs rank 1 or more.", nameof(x));
        return [x];
    }

    private static Tensor[] CheckInputs(IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("DataLoader: no inputs given; pass one tensor per model input.", nameof(inputs));
        var array = new Tensor[inputs.Count];
        for (int i = 0; i < array.Length; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"DataLoader: input {i} is null.");
            if (input.Rank == 0 || input.Shape[0] != inputs[0].Shape[0])
                throw new ArgumentException(
                    $"DataLoader: input {i} has shape {input.Shape} but input 0 has {inputs[0].Shape[0]} samples; every input needs one row per sample.", nameof(inputs));
            array[i] = input;
        }
        return array;
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>Samples per batch (the last batch may have fewer).</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The shuffling seed: epoch e's order depends on this seed and e only (a resumed run sets the one it was made with).</summary>
    public long Seed { get; internal set; }

    /// <summary>
    /// The part of every batch this loader yields, for data-parallel training (default: the whole batch). Each process
    /// of the run makes the same loader (same data, seed and batch size) with its own shard: batch i of an epoch then
    /// holds this shard's rows of the same <see cref="BatchSize"/> samples (see <see cref="BatchShard"/>), so the
    /// processes see every sample once per epoch between them. <see cref="BatchCount"/> counts whole batches.
    /// </summary>
    public BatchShard Shard
    {
        get;
        set
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (value == field) return;
            field = value;
            ReleaseBatchTensors(); // sized for the old shard
        }
    }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? Count / BatchSize : (int)(((long)Count + BatchSize - 1) / BatchSize); // long: a batch size near int.MaxValue

    /// <summary>
    /// The epoch the next enumeration runs, from 0. Each enumeration started counts it up by one; set it to
    /// resume a run (the order of epoch e is the same whichever epochs ran before).
    /// </summary>
    public int Epoch
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    }

    /// <summary>Starts the next epoch: shuffles (if asked) and returns an enumerator over its batches.</summary>
    public BatchEnumerator GetEnumerator() => StartEpoch(0);

    /// <summary>Starts the next epoch at batch <paramref name="firstBatch"/> (a run resumed inside an epoch).</summary>
    private BatchEnumerator StartEpoch(int firstBatch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CancelPrefetch(); // the gather of an abandoned enumeration's next batch reads the order
        int epoch = Epoch++;
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Shuffle)
        {
            // Reseeding per epoch (the generator scrambles the seed) makes epoch e's order independent of history.
            _random.Reseed(unchecked(Seed + epoch * (long)0x9E3779B97F4A7C15UL));
            _random.Shuffle(_order.AsSpan());
        }
        _nextBatch = firstBatch;
        return new BatchEnumerator(this, ++_version);
    }

    /// <summary>Gathers the next batch; false at the end of the epoch (<paramref name="current"/> keeps the last batch).</summary>
    bool IEpochBatches.MoveNext(int enumeration, ref Batch current)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (enumeration != _version)
            throw new InvalidOperationException("DataLoader: another enumeration of this loader has started; both would overwrite the same batch tensors, so only the newest one can continue.");
        if (_nextBatch >= BatchCount) return false;
        current = MakeBatch(_nextBatch++);
        return true;
    }

    /// <summary>Restarts the same epoch, in the same order (an older enumeration has nothing to restart: it fails when it moves on).</summary>
    void IEpochBatches.Reset(int enumeration)
    {
        if (enumeration == _version) _nextBatch = 0;
    }

    IEnumerator<Batch> IEnumerable<Batch>.GetEnumerator() => GetEnumerator();

    int IBatchSource.BatchesPerEpoch => BatchCount;

    int IBatchSource.SampleCount => Count;

    /// <summary>The batches of epoch <paramref name="epoch"/>, for Fit.</summary>
    IEnumerable<Batch> IBatchSource.GetBatches(int epoch)
    {
        if (_y is null) throw new InvalidOperationException("DataLoader: training needs targets; this loader was made without y.");
        Epoch = epoch;
        foreach (var batch in this) yield return batch;
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> from batch <paramref name="firstBatch"/> on, in the epoch's order; the ones before are not gathered.</summary>
    IEnumerable<Batch> IBatchSource.GetBatches(int epoch, int firstBatch)
    {
        if (_y is null) throw new InvalidOperationException("DataLoader: training needs targets; this loader was made without y.");
        ArgumentOutOfRangeException.ThrowIfNegative(firstBatch);
        Epoch = epoch;
        var batches = StartEpoch(firstBatch);
        while (batches.MoveNext()) yield return batches.Current;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Returns the batch tensors (and any contiguous copies of the inputs) to the pool.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ReleaseBatchTensors();
        for (int i = 0; i < _inputs.Length; i++)
            if (_ownsSources) _inputs[i].Dispose();
        if (_ownsSources) _y?.Dispose();
    }

    private void ReleaseBatchTensors()
    {
        CancelPrefetch();
        for (int i = 0; i < _inputs.Length; i++)
        {
            _full[i]?.Dispose();
            _fullOdd[i]?.Dispose();
            _last[i]?.Dispose();
            _full[i] = _fullOdd[i] = _last[i] = null!;
        }
        _yFull?.Dispose();
        _yFullOdd?.Dispose();
        _yLast?.Dispose();
        _yFull = _yFullOdd = _yLast = null;
        _version++; // an enumeration in progress would hand out the released tensors
    }

    /// <summary>
    /// Batch <paramref name="number"/> of the current epoch in the loader's batch tensors: gathered now, or finished if
    /// its gather was started ahead; then the next batch's gather starts (see <see cref="Prefetches"/>).
    /// </summary>
    private Batch MakeBatch(int number)
    {
        var (batch, yBatch, start, size) = Slot(number);
        if (!FinishPrefetch(number))
        {
            CancelPrefetch();
            GatherRows(batch, yBatch, start, 0, size, parallel: true);
        }
        if (number + 1 < BatchCount) StartPrefetch(number + 1);
        return new Batch(batch, yBatch, number, start);
    }

    /// <summary>
    /// Copies rows <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> of the batch that starts
    /// at <paramref name="start"/> of the order into <paramref name="batch"/> and <paramref name="y"/>: the whole batch on
    /// demand, or one block of it as an item of the gather ahead (not <paramref name="parallel"/> there).
    /// </summary>
    private void GatherRows(Tensor[] batch, Tensor? y, int start, int first, int count, bool parallel)
    {
        var rows = new ReadOnlySpan<int>(_order, start + first, count);
        for (int i = 0; i < batch.Length; i++)
        {
            int length = _rowLengths[i];
            RowGather.Gather(_inputs[i].Span, length, rows, batch[i].Span.Slice(first * length, count * length), parallel);
        }
        if (y is not null) RowGather.Gather(_y!.Span, _yRowLength, rows, y.Span.Slice(first * _yRowLength, count * _yRowLength), parallel);
    }

    /// <summary>
    /// Where batch <paramref name="number"/> goes and which rows it takes: full batches alternate between two sets of
    /// tensors, so that the next one can be gathered while this one trains; the smaller last batch has its own.
    /// </summary>
    private (Tensor[] Batch, Tensor? Y, int Start, int Size) Slot(int number)
    {
        int batchStart = (int)((long)number * BatchSize); // below Count: number < BatchCount (long: a batch size near int.MaxValue)
        bool full = Count - batchStart >= BatchSize;
        // This shard's rows of the batch (all of them without a shard).
        var (offset, size) = Shard.RowsOf(Math.Min(BatchSize, Count - batchStart));
        bool odd = full && (number & 1) == 1;
        var batch = !full ? _last : odd ? _fullOdd : _full;
        ref Tensor? yBatch = ref !full ? ref _yLast : ref odd ? ref _yFullOdd : ref _yFull;
        if (batch[0] is null)
        {
            using var unscoped = TensorScope.Suspend(); // the loader, not the caller's scope, owns batches
            for (int i = 0; i < batch.Length; i++) batch[i] = Tensor.Uninitialized(_inputs[i].Shape.With(0, size));
            if (_y is not null) yBatch = Tensor.Uninitialized(_y.Shape.With(0, size));
        }
        return (batch, yBatch, batchStart + offset, size);
    }
}

using System.Collections;
using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// The batches of <see cref="ImageDataGenerator.Flow"/>: each epoch visits every image once (shuffled if asked),
/// each time with a fresh random transform, together with its targets. Give it to
/// <c>model.Fit(flow, epochs: ...)</c>, or enumerate it: each enumeration is one epoch.
/// </summary>
/// <remarks>
/// <para>
/// The next batch is prepared while the current one is used (double buffering): with two or more kernel threads
/// (<see cref="Parallelism.Threads"/>) by the kernel threads between their jobs, with one by a background thread of
/// the flow's own. The batch handed out stays valid until the next one is asked for, then its tensors are reused.
/// After the first batch nothing is allocated. Batch b of epoch e depends only on the seed, e and b (each batch
/// draws from its own random stream), so runs are reproducible whatever the thread timing. An exception while a
/// batch is prepared is rethrown, wrapped, when that batch is asked for.
/// </para>
/// <para>
/// Dispose the flow when done: that stops the work and returns the batch tensors to the pool. (The background
/// thread also ends by itself after a while without work.) The flow reads x and y while it runs: keep them alive
/// and unchanged. One enumeration at a time; not thread-safe.
/// </para>
/// </remarks>
public sealed unsafe partial class ImageFlow : IEnumerable<Batch>, IBatchSource, IDisposable
{
    private enum SlotState { Free, Filling, Ready, Failed, InUse }

    private readonly ImageDataGenerator _generator;
    private readonly Tensor _x;
    private readonly Tensor? _y;
    private readonly bool _ownsSources;
    private readonly TensorShape _xShape;
    private readonly TensorShape? _yShape;
    private readonly int _height, _width, _channels, _imageLength, _yRowLength;
    private readonly int[] _order;
    private readonly RandomGenerator _random = new(0); // the worker's; reseeded for every batch

    // Two slots of batch tensors, plus views of their first rows for a smaller last batch; a batch's inputs are
    // handed out as the one-element arrays kept here, so taking a batch allocates nothing.
    private readonly Tensor?[] _slotX = new Tensor?[2], _slotY = new Tensor?[2], _lastX = new Tensor?[2], _lastY = new Tensor?[2];
    private readonly Tensor[][] _slotInputs = [new Tensor[1], new Tensor[1]], _lastInputs = [new Tensor[1], new Tensor[1]];

    // State shared with the worker, guarded by _gate.
    private readonly object _gate = new();
    private readonly SlotState[] _state = new SlotState[2];
    private Exception? _failure;
    private int _run;            // counts enumerations; a fill for an older run is discarded
    private bool _runActive;
    private int _runEpoch;
    private int _nextToFill, _nextToConsume;
    private int _held = -1;      // the slot the consumer holds
    private Thread? _worker;
    private bool _stopping, _disposed;
    private BatchShard _shard;
    private BatchPreparation _mode;   // where this enumeration's batches are made (never Auto)
    private AffineMap[] _maps = [];   // an inline or pooled batch's transforms, drawn in order before its images are resampled

    internal ImageFlow(ImageDataGenerator generator, Tensor x, Tensor? y, int batchSize, bool shuffle, long seed)
    {
        _generator = generator;
        Count = x.Shape[0];
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        if (!x.IsContiguous || (y is not null && !y.IsContiguous))
        {
            using var unscoped = TensorScope.Suspend();
            x = x.IsContiguous ? x : x.ContiguousCopy();
            y = y is null || y.IsContiguous ? y : y.ContiguousCopy();
            _ownsSources = true;
        }
        _x = x;
        _y = y;
        _xShape = x.Shape;
        _yShape = y?.Shape;
        _height = x.Shape[1];
        _width = x.Shape[2];
        _channels = x.Rank == 4 ? x.Shape[3] : 1;
        _imageLength = _height * _width * _channels;
        _yRowLength = y is null ? 0 : y.Size / Count;
        _order = new int[Count];
    }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>Images per batch (the last batch of an epoch may have fewer).</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the images in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the order and of the transforms (a resumed run sets the one it was made with).</summary>
    public long Seed { get; internal set; }

    /// <summary>The generator whose transforms are applied.</summary>
    public ImageDataGenerator Generator => _generator;

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => (int)(((long)Count + BatchSize - 1) / BatchSize); // long: a batch size near int.MaxValue

    /// <summary>
    /// The part of every batch this flow yields, for data-parallel training (default: the whole batch): each process
    /// makes the same flow (same images, seed and batch size) with its own shard, and augments only its rows of each
    /// batch (see <see cref="BatchShard"/>). A shard other than the first draws its transforms from a stream of its
    /// own. Setting it ends an enumeration in progress.
    /// </summary>
    public BatchShard Shard
    {
        get
        {
            lock (_gate) return _shard;
        }
        set
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (value == _shard) return;
                EndRun();
                ReleaseBatchTensors(); // sized for the old shard
                _shard = value;
            }
        }
    }

    /// <summary>The epoch the next enumeration runs, from 0; each enumeration counts it up by one.</summary>
    public int Epoch
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    }

    int IBatchSource.BatchesPerEpoch => BatchCount;

    int IBatchSource.SampleCount => Count;

    /// <summary>The background thread while it runs (for tests).</summary>
    internal Thread? WorkerThread
    {
        get { lock (_gate) return _worker; }
    }

    /// <summary>
    /// Where batches are made (<see cref="BatchPreparation"/>; the batches are the same in every case), read when an
    /// enumeration starts. <c>DEEPSHARP_IMAGE_FLOW=pool|thread|inline</c> sets it at start-up; the default is
    /// <see cref="BatchPreparation.Auto"/>.
    /// </summary>
    internal static BatchPreparation Preparation { get; set; } =
        Enum.TryParse<BatchPreparation>(Environment.GetEnvironmentVariable("DEEPSHARP_IMAGE_FLOW"), ignoreCase: true, out var mode) &&
        Enum.IsDefined(mode) ? mode : BatchPreparation.Auto;

    /// <summary>How long the worker waits for work before its thread ends (a new one starts when needed).</summary>
    internal TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Managed bytes the worker thread has allocated since it started (for tests).</summary>
    internal long WorkerAllocatedBytes { get; private set; }

    /// <summary>Batches the worker has prepared, counting discarded ones (for tests).</summary>
    internal int BatchesPrepared { get; private set; }

    /// <summary>
    /// The random stream of batch <paramref name="batch"/> of epoch <paramref name="epoch"/> (batch −1: the
    /// epoch's order). Hashing (not adding) keeps neighbouring streams unrelated.
    /// </summary>
    internal static long StreamSeed(long seed, int epoch, int batch)
    {
        ulong h = Mix((ulong)seed ^ 0x6A09E667F3BCC908UL);
        h = Mix(h ^ (uint)epoch);
        h = Mix(h ^ ((ulong)(uint)batch << 32));
        return (long)h;

        static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Starts the next epoch and returns an enumerator over its batches.</summary>
    public Enumerator GetEnumerator() => StartEpoch(0);

    /// <summary>Starts the next epoch at batch <paramref name="firstBatch"/> (a run resumed inside an epoch): earlier batches are not prepared.</summary>
    private Enumerator StartEpoch(int firstBatch)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureBatchTensors();
            EndRun();
            _failure = null;

            int epoch = Epoch++;
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            if (Shuffle)
            {
                _random.Reseed(StreamSeed(Seed, epoch, -1));
                _random.Shuffle(_order.AsSpan());
            }
            _runEpoch = epoch;
            _nextToFill = _nextToConsume = firstBatch;
            _runActive = true;
            _mode = Preparation switch
            {
                BatchPreparation.Auto => Parallelism.Threads >= 2 ? BatchPreparation.Pool : BatchPreparation.Thread,
                var mode => mode,
            };
            if (_mode == BatchPreparation.Thread) EnsureWorker();
            if (_mode == BatchPreparation.Pool && firstBatch < BatchCount) StartPooled(firstBatch);
            Monitor.PulseAll(_gate);
            return new Enumerator(this, _run);
        }
    }

    IEnumerator<Batch> IEnumerable<Batch>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The batches of epoch <paramref name="epoch"/>, for Fit.</summary>
    IEnumerable<Batch> IBatchSource.GetBatches(int epoch)
    {
        if (_y is null)
            throw new InvalidOperationException("ImageFlow: training needs targets; this flow was made without y (Flow(x, y, ...)).");
        Epoch = epoch;
        foreach (var batch in this) yield return batch;
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> from batch <paramref name="firstBatch"/> on; the ones before are not prepared.</summary>
    IEnumerable<Batch> IBatchSource.GetBatches(int epoch, int firstBatch)
    {
        if (_y is null)
            throw new InvalidOperationException("ImageFlow: training needs targets; this flow was made without y (Flow(x, y, ...)).");
        ArgumentOutOfRangeException.ThrowIfNegative(firstBatch);
        Epoch = epoch;
        var batches = StartEpoch(firstBatch);
        while (batches.MoveNext()) yield return batches.Current;
    }

    /// <summary>Stops the background work and returns the batch tensors to the pool.</summary>
    public void Dispose()
    {
        Thread? worker;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _stopping = true;
            _runActive = false;
            CancelPooled(); // the kernel threads may be writing into a slot
            worker = _worker;
            Monitor.PulseAll(_gate);
        }
        worker?.Join();
        ReleaseBatchTensors();
        if (_ownsSources)
        {
            _x.Dispose();
            _y?.Dispose();
        }
    }

    // ---- consumer side (called under _gate) ----------------------------------------------------------

    /// <summary>
    /// Ends any earlier enumeration: the consumer gives back its batch, and a fill in progress is let finish (its
    /// result is discarded) so the order and the slots can be reused safely.
    /// </summary>
    private void EndRun()
    {
        _run++;
        _runActive = false;
        _held = -1;
        CancelPooled();
        while (_state[0] == SlotState.Filling || _state[1] == SlotState.Filling) Monitor.Wait(_gate);
        _state[0] = _state[1] = SlotState.Free;
    }

    private void ReleaseBatchTensors()
    {
        for (int s = 0; s < 2; s++)
        {
            _lastX[s]?.Dispose();
            _lastY[s]?.Dispose();
            _slotX[s]?.Dispose();
            _slotY[s]?.Dispose();
            _lastX[s] = _lastY[s] = _slotX[s] = _slotY[s] = null;
        }
    }

    private void EnsureBatchTensors()
    {
        if (_slotX[0] is not null) return;
        using var unscoped = TensorScope.Suspend(); // the flow, not the caller's scope, owns its batches
        int full = _shard.RowsOf(Math.Min(BatchSize, Count)).Length;
        int last = _shard.RowsOf((int)(Count - (long)(BatchCount - 1) * BatchSize)).Length;
        for (int s = 0; s < 2; s++)
        {
            _slotX[s] = Tensor.Uninitialized(_xShape.With(0, full));
            _slotY[s] = _yShape is { } yShape ? Tensor.Uninitialized(yShape.With(0, full)) : null;
            _slotInputs[s][0] = _slotX[s]!;
            if (last != full)
            {
                _lastX[s] = PrefixView(_slotX[s]!, last);
                _lastY[s] = _slotY[s] is { } y ? PrefixView(y, last) : null;
                _lastInputs[s][0] = _lastX[s]!;
            }
        }
    }

    /// <summary>A view of the first <paramref name="rows"/> rows of a contiguous tensor.</summary>
    private static Tensor PrefixView(Tensor tensor, int rows)
    {
        var shape = tensor.Shape.With(0, rows);
        Span<int> strides = stackalloc int[shape.Rank];
        int stride = 1;
        for (int i = shape.Rank - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }
        return Tensor.View(tensor, shape, strides, tensor._offset);
    }

    private void EnsureWorker()
    {
        if (_worker is not null) return;
        _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "DeepSharp ImageDataGenerator" };
        _worker.Start();
    }

    private Batch Take(int version)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (version != _run)
                throw new InvalidOperationException("ImageFlow: another enumeration of this flow has started; both would use the same batch tensors, so only the newest one can continue.");
            if (_held >= 0)
            {
                _state[_held] = SlotState.Free;
                _held = -1;
                Monitor.PulseAll(_gate);
            }
            if (_nextToConsume >= BatchCount) return default;
            int batch = _nextToConsume;
            int slot = batch & 1;
            if (_mode == BatchPreparation.Inline) FillNow(slot, batch);
            if (_mode == BatchPreparation.Pool) FinishPooled(slot, batch);
            while (_state[slot] is not (SlotState.Ready or SlotState.Failed))
            {
                EnsureWorker(); // it may have ended while idle, waiting for the consumer
                Monitor.Wait(_gate);
            }
            if (_state[slot] == SlotState.Failed)
            {
                // The epoch ends here: later batches may depend on what failed, and waiting for this one again would hang.
                var failure = _failure!;
                _runActive = false;
                _nextToConsume = BatchCount;
                Monitor.PulseAll(_gate);
                throw new InvalidOperationException(
                    $"ImageFlow: preparing batch {batch} of epoch {_runEpoch}{(_mode == BatchPreparation.Thread ? " on the background thread" : "")} failed: {failure.Message}", failure);
            }
            _state[slot] = SlotState.InUse;
            _held = slot;
            _nextToConsume++;
            if (_mode == BatchPreparation.Pool && _nextToConsume < BatchCount) StartPooled(_nextToConsume); // into the slot just given back
            int batchStart = (int)((long)batch * BatchSize); // below Count (long: a batch size near int.MaxValue)
            var (offset, rows) = _shard.RowsOf(Math.Min(BatchSize, Count - batchStart));
            bool full = rows == _slotX[slot]!.Shape[0];
            var y = full ? _slotY[slot] : _lastY[slot];
            return new Batch(full ? _slotInputs[slot] : _lastInputs[slot], y, batch, batchStart + offset);
        }
    }

    // ---- worker side ---------------------------------------------------------------------------------

    private void WorkerLoop()
    {
        long allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        while (true)
        {
            int batch, slot, run, epoch;
            lock (_gate)
            {
                while (true)
                {
                    if (_stopping) { _worker = null; Monitor.PulseAll(_gate); return; }
                    if (HasWork()) break;
                    if (!Monitor.Wait(_gate, IdleTimeout) && !HasWork() && !_stopping)
                    {
                        _worker = null; // a consumer that needs batches again starts a new thread
                        return;
                    }
                }
                batch = _nextToFill++;
                slot = batch & 1;
                _state[slot] = SlotState.Filling;
                run = _run;
                epoch = _runEpoch;
            }

            Exception? failure = null;
            try
            {
                Fill(slot, epoch, batch);
            }
            catch (Exception e)
            {
                failure = e;
            }

            lock (_gate)
            {
                BatchesPrepared++;
                WorkerAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
                if (run == _run && failure is null) _state[slot] = SlotState.Ready;
                else if (run == _run)
                {
                    _state[slot] = SlotState.Failed;
                    _failure = failure;
                }
                else _state[slot] = SlotState.Free;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private bool HasWork() => _runActive && _mode == BatchPreparation.Thread && _nextToFill < BatchCount && _state[_nextToFill & 1] == SlotState.Free;

    /// <summary>Makes batch <paramref name="batch"/> in slot <paramref name="slot"/> on this thread, with the kernel threads (under _gate).</summary>
    private void FillNow(int slot, int batch)
    {
        try
        {
            Fill(slot, _runEpoch, batch, inline: true);
            _state[slot] = SlotState.Ready;
        }
        catch (Exception e)
        {
            _state[slot] = SlotState.Failed;
            _failure = e;
        }
        BatchesPrepared++;
    }

    /// <summary>The ZCA product's buffer, made once by the worker on the first batch that needs it.</summary>
    private float[]? _standardizeScratch;

    /// <summary>
    /// Gathers and augments batch <paramref name="batch"/> into slot <paramref name="slot"/>: image by image on the flow's
    /// thread, or (<paramref name="inline"/>) every transform drawn first, in the same order, then the images shared out
    /// among the kernel threads (the pooled batches draw the same way: ImageFlow.Pooled.cs).
    /// </summary>
    private void Fill(int slot, int epoch, int batch, bool inline = false)
    {
        var (start, size) = BatchRows(batch);
        float* source = _x.Pointer;
        float* destination = _slotX[slot]!.Pointer;
        _random.Reseed(BatchSeed(epoch, batch));
        if (inline) AugmentShared(source, destination, start, size);
        else
            for (int i = 0; i < size; i++)
            {
                long image = _order[start + i];
                _generator.AugmentInto(source + image * _imageLength, destination + (long)i * _imageLength, _height, _width, _channels, _random);
            }
        if (_generator.Standardizes) _generator.StandardizeBatch(destination, size, (int)_imageLength, ref _standardizeScratch);
        if (_y is not null)
            RowGather.Gather(_y.Span, _yRowLength, new ReadOnlySpan<int>(_order, start, size), _slotY[slot]!.Span);
    }

    private void AugmentShared(float* source, float* destination, int start, int size)
    {
        DrawMaps(size);
        var body = Body(source, destination, start);
        WorkerPool.For(size, ref body);
    }

    /// <summary>The first row of this flow's part of batch <paramref name="batch"/> in the epoch's order, and its row count.</summary>
    private (int Start, int Rows) BatchRows(int batch)
    {
        int batchStart = (int)((long)batch * BatchSize); // below Count (long: a batch size near int.MaxValue)
        var (offset, rows) = _shard.RowsOf(Math.Min(BatchSize, Count - batchStart));
        return (batchStart + offset, rows);
    }

    /// <summary>
    /// The seed of batch <paramref name="batch"/>'s transforms: shard 0 (and a flow without shards) keeps the batch's own
    /// stream; the others get streams of their own.
    /// </summary>
    private long BatchSeed(int epoch, int batch) => StreamSeed(Seed, epoch, batch) ^ (long)((ulong)_shard.Index * 0x9E3779B97F4A7C15UL);

    /// <summary>The transforms of the next <paramref name="rows"/> images of the batch, drawn in order from <see cref="_random"/>.</summary>
    private void DrawMaps(int rows)
    {
        if (_maps.Length < rows) _maps = new AffineMap[rows];
        for (int i = 0; i < rows; i++) _maps[i] = _generator.GetRandomTransform(_height, _width, _random).ToAffineMap(_height, _width);
    }

    /// <summary>The resampling of a batch's images, from the epoch's row <paramref name="start"/> on, through <see cref="_maps"/>.</summary>
    private ImageResampling Body(float* source, float* destination, int start) =>
        new(_generator, source, destination, _maps, _height, _width, _channels, _generator.ScaleFactor, _order, start);

    /// <summary>Enumerates the batches of one epoch. A struct, as <c>foreach</c> uses it: no allocation.</summary>
    public struct Enumerator : IEnumerator<Batch>
    {
        private readonly ImageFlow _flow;
        private readonly int _version;
        private Batch _current;

        internal Enumerator(ImageFlow flow, int version)
        {
            _flow = flow;
            _version = version;
            _current = default;
        }

        /// <summary>The current batch; valid until the next <see cref="MoveNext"/>.</summary>
        public readonly Batch Current => _current;

        readonly object IEnumerator.Current => _current;

        /// <summary>Gives back the current batch and takes the next one (waiting for it if needed); false at the end of the epoch.</summary>
        public bool MoveNext()
        {
            _current = _flow.Take(_version);
            return _current.X is not null;
        }

        /// <summary>Not supported: start a new enumeration for another epoch.</summary>
        public readonly void Reset() => throw new NotSupportedException("ImageFlow: an epoch cannot be restarted; enumerate the flow again for the next epoch.");

        /// <summary>Ends the enumeration (the batch tensors stay with the flow).</summary>
        public readonly void Dispose() { }
    }
}

using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DeepSharp;

/// <summary>
/// The communicator of a run launched by Open MPI's <c>mpirun</c>, through DeepSharp's own binding of
/// <c>libmpi.so.40</c>. Created by <see cref="Communicator.Start"/> (MPI starts once per process); disposing it
/// finalises MPI.
/// </summary>
/// <remarks>
/// <para>One communication thread makes every MPI call; a caller hands it the operation and waits, checking for a
/// lost rank (see <see cref="DistributedOptions.MonitorRanks"/>) and for the <see cref="DistributedOptions.CollectiveTimeout"/>.
/// Calls from several threads are run one at a time, in the order they arrive.</para>
/// <para>Open MPI's sum is the same on every rank: each of its all-reduce algorithms (recursive doubling, ring,
/// reduce-scatter + all-gather, reduce + broadcast) either has both partners of a pair add the same two operands,
/// and float addition is commutative, or computes each element once and copies it to the others.</para>
/// <para>After a <see cref="DistributedException"/> for a lost rank or a timeout, MPI may still hold the buffer of
/// the failed call: end the process (rank 0 may first save what it has).</para>
/// </remarks>
public sealed unsafe class OpenMpiCommunicator : ICommunicator
{
    private static int s_started;

    private readonly OpenMpiLibrary _mpi;
    private readonly DistributedOptions _options;
    private readonly CommunicationThread _thread;
    private readonly CollectiveRequest _request = new();
    private readonly object _callLock = new();
    private readonly Stack<PendingAllReduce> _spare = new();
    private readonly RankMonitor? _monitor;
    private readonly PosixSignalRegistration? _terminate;
    private long _sequence;
    private volatile DistributedException? _fault;
    private bool _disposed;

    internal OpenMpiCommunicator(LaunchEnvironment launch, DistributedOptions options, string? library = null)
    {
        options.Validate();
        _options = options;
        _mpi = OpenMpiLibrary.Load(library);
        if (Interlocked.Exchange(ref s_started, 1) != 0)
            throw new DistributedException("MPI was already started in this process, and MPI starts only once per process: use Communicator.Start(), which returns the running communicator.");
        if (options.YieldWhenIdle) OpenMpiLibrary.SetDefaultParameter("mpi_yield_when_idle", "1");
        // Both or neither: a fragment smaller than the eager limit would not hold an eager message.
        if (options.LargeSharedMemoryFragments && !OpenMpiLibrary.IsParameterSet("btl_vader_max_send_size") && !OpenMpiLibrary.IsParameterSet("btl_vader_eager_limit"))
        {
            OpenMpiLibrary.SetDefaultParameter("btl_vader_max_send_size", "131072");
            OpenMpiLibrary.SetDefaultParameter("btl_vader_eager_limit", "65536");
        }
        _thread = new CommunicationThread("DeepSharp MPI", Execute);
        var started = new int[3]; // granted thread level, rank, size
        string version = "";
        RunCall("MPI_Init_thread", () =>
        {
            int provided, rank, size;
            OpenMpiLibrary.Check(_mpi.InitThread(null, null, OpenMpiLibrary.ThreadFunneled, &provided), "MPI_Init_thread");
            OpenMpiLibrary.Check(_mpi.CommRank(_mpi.CommWorld, &rank), "MPI_Comm_rank");
            OpenMpiLibrary.Check(_mpi.CommSize(_mpi.CommWorld, &size), "MPI_Comm_size");
            (started[0], started[1], started[2]) = (provided, rank, size);
            version = _mpi.Version();
        }, InitTimeout(options));
        var (provided, rank, size) = (started[0], started[1], started[2]);
        if (provided < OpenMpiLibrary.ThreadFunneled)
            throw new DistributedException($"MPI_Init_thread granted thread level {provided}; DeepSharp needs MPI_THREAD_FUNNELED (1): its MPI calls come from a thread other than the main one.");
        if (launch.IsOpenMpi && (rank != launch.Rank || size != launch.Size))
            throw new DistributedException($"MPI says rank {rank} of {size}, the launcher's environment says rank {launch.Rank} of {launch.Size}.");
        Rank = rank;
        Size = size;
        LocalRank = launch.LocalRank;
        LocalSize = launch.LocalSize;
        Backend = version;
        // mpirun ends the other ranks with SIGTERM (then SIGKILL) when one dies: say why before going.
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate);
        if (options.MonitorRanks && size > 1) _monitor = RankMonitor.Start(this, Lost);
    }

    /// <summary>
    /// How long MPI_Init_thread may wait: it returns when every rank has started, and ranks start seconds apart on a busy
    /// host (each is a .NET process starting up), so at least a minute whatever the collective timeout.
    /// </summary>
    private static TimeSpan InitTimeout(DistributedOptions options) =>
        options.CollectiveTimeout > TimeSpan.FromMinutes(1) ? options.CollectiveTimeout : TimeSpan.FromMinutes(1);

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public int LocalRank { get; }

    /// <inheritdoc/>
    public int LocalSize { get; }

    /// <inheritdoc/>
    public string Backend { get; }

    /// <summary>The MPI library file that was loaded.</summary>
    public string LibraryPath => _mpi.Path;

    /// <summary>
    /// The description of the Open MPI library that <paramref name="library"/> (default: <c>libmpi.so.40</c> or
    /// <c>$DEEPSHARP_MPI_LIBRARY</c>) would load, without starting MPI: "Open MPI v4.1.4". For <c>deepsharp info</c>.
    /// </summary>
    /// <exception cref="DistributedException">The library is missing; the message says what to install.</exception>
    public static string ProbeLibrary(string? library = null) => OpenMpiLibrary.Load(library).Version();

    /// <inheritdoc/>
    public void AllReduce(Span<float> values, ReduceOperation operation = ReduceOperation.Sum)
    {
        CommunicatorArguments.CheckOperation(operation);
        nint op = operation switch
        {
            ReduceOperation.Min => _mpi.OpMin,
            ReduceOperation.Max => _mpi.OpMax,
            _ => _mpi.OpSum,
        };
        fixed (float* buffer = values)
            Collective(CollectiveKind.AllReduce, buffer, values.Length, sizeof(float), _mpi.Float, op, 0);
        if (operation == ReduceOperation.Average) TensorPrimitives.Multiply(values, 1f / Size, values);
    }

    /// <inheritdoc/>
    /// <remarks>The communication thread runs it while the caller goes on; the caller's thread never enters MPI.</remarks>
    public CollectiveOperation StartAllReduce(Memory<float> values, ReduceOperation operation = ReduceOperation.Sum)
    {
        CommunicatorArguments.CheckOperation(operation);
        var pending = RentPending();
        pending.Start(values, operation);
        lock (_callLock)
        {
            try
            {
                ThrowIfUnusable();
            }
            catch
            {
                pending.Release();
                throw;
            }
            var r = pending.Request;
            r.Kind = CollectiveKind.AllReduce;
            r.Buffer = pending.Pin.Pointer;
            r.Count = values.Length;
            r.ElementSize = sizeof(float);
            r.Datatype = _mpi.Float;
            r.Operation = operation switch
            {
                ReduceOperation.Min => _mpi.OpMin,
                ReduceOperation.Max => _mpi.OpMax,
                _ => _mpi.OpSum,
            };
            r.Root = 0;
            r.Sequence = ++_sequence;
            _thread.Submit(r);
        }
        return pending;
    }

    private PendingAllReduce RentPending()
    {
        lock (_spare)
            if (_spare.Count > 0) return _spare.Pop();
        return new PendingAllReduce(this);
    }

    /// <summary>
    /// An all-reduce on the communication thread; kept for reuse once waited for, so that starting one a step allocates
    /// nothing. Its buffer stays pinned until then.
    /// </summary>
    private sealed class PendingAllReduce(OpenMpiCommunicator owner) : CollectiveOperation
    {
        public readonly CollectiveRequest Request = new();
        public System.Buffers.MemoryHandle Pin;
        private Memory<float> _values;
        private ReduceOperation _operation;
        private bool _waited;

        public void Start(Memory<float> values, ReduceOperation operation)
        {
            _values = values;
            _operation = operation;
            _waited = false;
            Pin = values.Pin();
        }

        public override void Wait()
        {
            if (_waited) throw new InvalidOperationException("CollectiveOperation.Wait: this all-reduce was already waited for (wait once).");
            _waited = true;
            owner.Await(Request); // when it throws (a lost rank), MPI may still write the buffer: it stays pinned, never reused
            if (_operation == ReduceOperation.Average) TensorPrimitives.Multiply(_values.Span, 1f / owner.Size, _values.Span);
            Release();
        }

        public void Release()
        {
            Pin.Dispose();
            Pin = default;
            _values = default;
            lock (owner._spare) owner._spare.Push(this);
        }
    }

    /// <inheritdoc/>
    public void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged
    {
        CommunicatorArguments.CheckRoot(root, Size);
        var bytes = MemoryMarshal.AsBytes(values);
        const int Chunk = 1 << 30; // MPI counts are ints: broadcast in pieces of 1 GiB
        fixed (byte* buffer = bytes)
        {
            int offset = 0;
            do
            {
                int count = Math.Min(Chunk, bytes.Length - offset);
                Collective(CollectiveKind.Broadcast, buffer + offset, count, 1, _mpi.Byte, 0, root);
                offset += count;
            } while (offset < bytes.Length);
        }
    }

    /// <inheritdoc/>
    public void Barrier() => Collective(CollectiveKind.Barrier, null, 0, 0, 0, 0, 0);

    private void Collective(CollectiveKind kind, void* buffer, int count, int elementSize, nint datatype, nint op, int root)
    {
        lock (_callLock)
        {
            ThrowIfUnusable();
            var r = _request;
            r.Kind = kind;
            r.Buffer = buffer;
            r.Count = count;
            r.ElementSize = elementSize;
            r.Datatype = datatype;
            r.Operation = op;
            r.Root = root;
            r.Sequence = ++_sequence;
            Run(r);
        }
    }

    private void RunCall(string name, Action call, TimeSpan? timeout = null)
    {
        lock (_callLock)
        {
            var r = new CollectiveRequest { Kind = CollectiveKind.Call, Call = call, CallName = name };
            Run(r, timeout);
        }
    }

    /// <summary>Hands a request to the communication thread and waits, watching for a lost rank and the timeout.</summary>
    private void Run(CollectiveRequest request, TimeSpan? timeout = null)
    {
        _thread.Submit(request);
        Await(request, timeout);
    }

    /// <summary>Waits for a submitted request, watching for a lost rank and the timeout.</summary>
    private void Await(CollectiveRequest request, TimeSpan? timeout = null)
    {
        var limit = timeout ?? _options.CollectiveTimeout;
        long start = Stopwatch.GetTimestamp();
        bool warned = false;
        // The caller blocks rather than spins: on a machine with as many ranks as cores, a spinning caller would take
        // the core that a peer's communication thread needs. Every 100 ms it looks for a lost rank and the timeout.
        while (!request.Done.Wait(TimeSpan.FromMilliseconds(100)))
        {
            if (_fault is { } fault) throw new DistributedException(fault.Message + $" It happened during {request.Describe()}.", fault.LostRank);
            var waited = Stopwatch.GetElapsedTime(start);
            if (limit != Timeout.InfiniteTimeSpan && waited >= limit)
            {
                var stuck = new DistributedException(
                    $"DeepSharp rank {Rank} of {Size}: {Capitalized(request.Describe())} waited {waited.TotalSeconds:0.#} s for the other ranks " +
                    $"(the collective timeout is {limit.TotalSeconds:0.#} s): a rank is stuck, or the ranks called different " +
                    "collectives. This rank stops.");
                _fault = stuck;
                Console.Error.WriteLine(stuck.Message);
                throw stuck;
            }
            if (!warned && waited >= _options.StallWarning)
            {
                warned = true;
                Console.Error.WriteLine($"DeepSharp rank {Rank} of {Size}: {Capitalized(request.Describe())} has waited {waited.TotalSeconds:0} s for the other ranks.");
            }
        }
        if (request.Error is { } error) throw error as DistributedException ?? new DistributedException($"DeepSharp rank {Rank}: {request.Describe()} failed: {error.Message}", error);
    }

    /// <summary>Runs on the communication thread: the only place MPI is called.</summary>
    private void Execute(CollectiveRequest r)
    {
        switch (r.Kind)
        {
            case CollectiveKind.AllReduce:
                OpenMpiLibrary.Check(_mpi.Allreduce(OpenMpiLibrary.InPlace, r.Buffer, r.Count, r.Datatype, r.Operation, _mpi.CommWorld), "MPI_Allreduce");
                break;
            case CollectiveKind.Broadcast:
                OpenMpiLibrary.Check(_mpi.Bcast(r.Buffer, r.Count, r.Datatype, r.Root, _mpi.CommWorld), "MPI_Bcast");
                break;
            case CollectiveKind.Barrier:
                OpenMpiLibrary.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");
                break;
            default:
                r.Call!();
                break;
        }
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private void Lost(DistributedException fault) => _fault ??= fault;

    private void OnTerminate(PosixSignalContext context)
    {
        // The monitor usually has the news already; give it a moment when the signal came first.
        for (int i = 0; i < 20 && _fault is null && _monitor is not null; i++) Thread.Sleep(25);
        if (_fault is null)
        {
            _fault = new DistributedException($"DeepSharp rank {Rank} of {Size}: stopped by SIGTERM.");
            Console.Error.WriteLine($"DeepSharp rank {Rank} of {Size}: stopped by SIGTERM (mpirun stops every rank when one fails or is interrupted; see its report).");
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is { } fault) throw new DistributedException(fault.Message, fault.LostRank);
    }

    /// <summary>
    /// Ends the run for this process: waits at a barrier for every rank, closes the monitor and finalises MPI.
    /// After a lost rank or a timeout it only lets go (MPI cannot finalise with a rank missing).
    /// </summary>
    public void Dispose()
    {
        lock (_callLock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        if (_fault is null && !_thread.IsCurrent)
        {
            try
            {
                // No timeout at the last barrier: a rank may finish much later than others (rank 0 evaluating, plotting)
                // and that is no fault; a rank that dies meanwhile is still reported by the monitor.
                RunCall("The barrier at the end of the run", () => OpenMpiLibrary.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier"), Timeout.InfiniteTimeSpan);
                _monitor?.Dispose();
                RunCall("MPI_Finalize", () => OpenMpiLibrary.Check(_mpi.Finalize(), "MPI_Finalize"));
            }
            catch (DistributedException e)
            {
                Console.Error.WriteLine(e.Message);
            }
        }
        _monitor?.Dispose();
        _terminate?.Dispose();
        _thread.Dispose();
        Communicator.Forget(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"rank {Rank} of {Size} ({Backend})";
}

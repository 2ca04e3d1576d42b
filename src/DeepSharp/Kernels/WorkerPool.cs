using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace DeepSharp.Kernels;

/// <summary>A piece of parallel work: <see cref="Execute"/> runs once for each item index.</summary>
internal interface IParallelBody
{
    void Execute(int item);
}

/// <summary>
/// Persistent worker threads that run the items of a kernel beside the calling thread. A call costs about
/// a microsecond when the workers are awake (they spin briefly after each job before sleeping), against
/// several for <c>Parallel.For</c>, and allocates nothing: the body is a struct on the caller's stack,
/// reached through a function pointer while the caller waits for its items to finish.
/// <para>
/// Items are cut into one contiguous block per thread (the calling thread has the first): a thread runs its own
/// block in order, then helps with the others'. Kernels cut their work in index order (rows, samples), so
/// consecutive ops give each thread the same part of the data, which stays in its core's caches; with items handed
/// out in turn, each op found about half its input in the other core's cache. Which thread runs an item never
/// changes what the item computes.
/// </para>
/// </summary>
internal static unsafe class WorkerPool
{
    private const int SpinIterations = 20_000; // about 50 µs of polling before a worker sleeps
    private const int MaxParts = 256;          // Parallelism.Threads' limit
    private const int CursorStride = 8;        // a block's cursor alone in its cache line (8 longs)

    private static readonly Lock StartGate = new();
    private static Worker[] _workers = [];

    // The current job. Its fields are written before the generation announcing it and stay fixed until all of
    // its items have completed, so an item claimed under the job's generation always sees them whole.
    private static delegate*<void*, int, void> _jobFunction;
    private static void* _jobState;
    private static int _jobCount;
    private static int _jobParts;
    private static long _announced;       // the current job's generation, which wakes spinning workers
    private static int _completed;
    private static ExceptionDispatchInfo? _failure;
    private static int _generation;

    // Block b's cursor at [b·CursorStride]: (generation << 32) | next unclaimed item of the block.
    private static readonly long[] Cursors = new long[MaxParts * CursorStride];

    // Work for idle workers between jobs (see BackgroundWork); one owner at a time.
    private static BackgroundWork? _background;

    [ThreadStatic] private static bool t_insideJob;

    /// <summary>Whether the current thread runs an item of a job: a parallel call made here runs inline.</summary>
    internal static bool InsideJob => t_insideJob;

    /// <summary>
    /// Whether items are cut into a block per thread (see the class); false hands every item to whichever thread
    /// asks next, for A/B comparisons. Starts false when the environment variable <c>DEEPSHARP_WORKERS</c> is
    /// <c>shared</c>. Read once per call.
    /// </summary>
    internal static bool Blocks { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_WORKERS"), "shared", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs <c>body.Execute(i)</c> for every i in [0, count), on up to <see cref="Parallelism.Threads"/> threads.</summary>
    internal static void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        if (count <= 0) return;
        int threads = Parallelism.Threads;
        // Nested parallel calls and single items run inline: one job at a time keeps the protocol simple.
        if (count == 1 || threads <= 1 || t_insideJob)
        {
            for (int i = 0; i < count; i++) body.Execute(i);
            return;
        }
        var workers = EnsureWorkers(threads - 1);
        lock (StartGate) // a second thread calling kernels waits its turn rather than corrupting the job
        {
            int parts = Blocks ? Math.Min(threads, count) : 1;
            _jobFunction = &Invoke<TBody>;
            _jobState = Unsafe.AsPointer(ref body);
            _jobCount = count;
            _jobParts = parts;
            _failure = null;
            Volatile.Write(ref _completed, 0);
            int generation = ++_generation;
            for (int b = 0; b < parts; b++)
                Volatile.Write(ref Cursors[b * CursorStride], ((long)generation << 32) | (uint)BlockStart(b, count, parts));
            Interlocked.Exchange(ref _announced, generation);
            for (int w = 0; w < threads - 1; w++) workers[w].WakeIfSleeping();

            t_insideJob = true;
            try
            {
                RunItems(generation, 0);
            }
            finally
            {
                t_insideJob = false;
            }
            var spinner = new SpinWait();
            while (Volatile.Read(ref _completed) < count) spinner.SpinOnce(sleep1Threshold: -1);
            // Close the job's blocks before the next job's fields are written: a worker that woke for this job
            // late may read those fields half-written, and must then find nothing left to claim here.
            for (int b = 0; b < parts; b++)
                Volatile.Write(ref Cursors[b * CursorStride], ((long)generation << 32) | int.MaxValue);
            Interlocked.MemoryBarrier();
            _jobFunction = null;
            _jobState = null;
            _failure?.Throw();
        }
    }

    /// <summary>
    /// Lets idle workers run <paramref name="work"/>'s items between jobs, waking them if they sleep; false (and the
    /// owner runs every item in its <see cref="BackgroundWork.Finish"/>) when there is no worker or another owner's
    /// work is posted.
    /// </summary>
    internal static bool Post(BackgroundWork work)
    {
        int threads = Parallelism.Threads;
        if (threads <= 1) return false;
        var workers = EnsureWorkers(threads - 1);
        var posted = Interlocked.CompareExchange(ref _background, work, null);
        if (posted is not null && posted != work) return false;
        for (int w = 0; w < threads - 1; w++) workers[w].WakeIfSleeping();
        return true;
    }

    /// <summary>Takes <paramref name="work"/> back from the workers, if it is the posted work.</summary>
    internal static void Withdraw(BackgroundWork work) => Interlocked.CompareExchange(ref _background, null, work);

    /// <summary>
    /// Runs one item of the posted background work, if there is one; false when there is nothing to run. Work with no
    /// item left to claim is withdrawn, so that a flow left undisposed holds neither the slot nor itself here (its
    /// owner posts it again with its next round).
    /// </summary>
    private static bool RunBackgroundItem()
    {
        if (Volatile.Read(ref _background) is not { } work) return false;
        if (work.TryRunOne()) return true;
        Withdraw(work);
        return false;
    }

    /// <summary>The first item of block <paramref name="block"/> of <paramref name="parts"/> (block <paramref name="parts"/> starts at the end).</summary>
    private static int BlockStart(int block, int count, int parts) => (int)((long)count * block / parts);

    private static void Invoke<TBody>(void* state, int item) where TBody : struct, IParallelBody =>
        Unsafe.AsRef<TBody>(state).Execute(item);

    /// <summary>
    /// Claims and runs items of job <paramref name="generation"/> until none are left: those of block
    /// <paramref name="participant"/> (modulo the job's blocks) first, then those of the blocks after it.
    /// </summary>
    private static void RunItems(int generation, int participant)
    {
        var function = _jobFunction;
        var state = _jobState;
        int count = _jobCount, parts = _jobParts;
        // The fields above are read before any cursor: a cursor still open for this generation then vouches that
        // they belong to this job (the publisher closes the cursors before writing the next job's fields).
        Interlocked.MemoryBarrier();
        if (parts <= 0) return;
        int first = participant % parts;
        for (int i = 0; i < parts; i++)
        {
            int block = first + i < parts ? first + i : first + i - parts;
            int end = BlockStart(block + 1, count, parts);
            ref long cursor = ref Cursors[block * CursorStride];
            while (true)
            {
                long ticket = Volatile.Read(ref cursor);
                // Another generation: this job has ended (its fields read above may belong to the next one).
                if ((int)(ticket >> 32) != generation) return;
                int item = (int)ticket;
                if (item >= end) break;
                if (Interlocked.CompareExchange(ref cursor, ticket + 1, ticket) != ticket) continue;
                try
                {
                    function(state, item);
                }
                catch (Exception e)
                {
                    _failure ??= ExceptionDispatchInfo.Capture(e);
                }
                Interlocked.Increment(ref _completed);
            }
        }
    }

    private static Worker[] EnsureWorkers(int wanted)
    {
        var workers = _workers;
        if (workers.Length >= wanted) return workers;
        lock (StartGate)
        {
            if (_workers.Length < wanted)
            {
                var grown = new Worker[wanted];
                Array.Copy(_workers, grown, _workers.Length);
                for (int i = _workers.Length; i < wanted; i++) grown[i] = new Worker(i);
                _workers = grown;
            }
            return _workers;
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private readonly int _participant;
        private int _sleeping;
        private int _seenGeneration;

        internal Worker(int index)
        {
            _participant = index + 1; // the calling thread is participant 0
            var thread = new Thread(Loop) { IsBackground = true, Name = $"DeepSharp worker {index + 1}" };
            thread.Start();
        }

        internal void WakeIfSleeping()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
        }

        private void Loop()
        {
            t_insideJob = true;
            while (true)
            {
                int generation = WaitForJob();
                _seenGeneration = generation;
                RunItems(generation, _participant);
            }
        }

        /// <summary>Waits for the next job, running background items meanwhile (one at a time, so a job waits for one at most).</summary>
        private int WaitForJob()
        {
            while (true)
            {
                for (int i = 0; i < SpinIterations; i++)
                {
                    int generation = CurrentGeneration();
                    if (generation != _seenGeneration) return generation;
                    if (RunBackgroundItem()) i = 0; // stay awake for the spin time after the last item, as after a job
                    else Thread.SpinWait(8);
                }
                Volatile.Write(ref _sleeping, 1);
                Interlocked.MemoryBarrier();
                int current = CurrentGeneration();
                if (current != _seenGeneration || Volatile.Read(ref _background) is { HasUnclaimed: true })
                {
                    // A job or background work arrived as we went to sleep. If its publisher already took our flag, it
                    // has released (or will release) the semaphore: consume that release so the count stays balanced.
                    if (Interlocked.Exchange(ref _sleeping, 0) == 0) _wake.Wait();
                    if (current != _seenGeneration) return current;
                    continue;
                }
                _wake.Wait(); // woken for a job or for background work: the spin loop above tells which
            }
        }

        private static int CurrentGeneration() => (int)Volatile.Read(ref _announced);
    }
}

using System.Runtime.ExceptionServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Items that the pool's idle workers run between kernel jobs: the augmentation of the next batch while a training step
/// runs, which on a third thread would take a core from the kernel threads. The owner fills in what the items need,
/// calls <see cref="Start"/> (which posts the work to <see cref="WorkerPool"/>), and later <see cref="Finish"/>: it runs
/// the items no worker has claimed and waits for the ones in progress. A worker runs one item at a time and looks for a
/// job in between, so a kernel job waits for at most one item. Which thread runs an item never changes what it computes.
/// One object serves round after round; not thread-safe on the owner's side.
/// </summary>
internal abstract class BackgroundWork
{
    // (round << 32) | next unclaimed item; a closed round's item is int.MaxValue. Like the pool's cursors, a claim
    // succeeds only while its round is open, and the owner closes a round before it writes the next one's fields, so a
    // claimant that read the count (and then the subclass' fields) under an open round read that round's.
    private long _cursor;
    private int _count, _completed, _round;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Runs item <paramref name="item"/> of the current round.</summary>
    protected abstract void Execute(int item);

    /// <summary>Opens a round of <paramref name="count"/> items (the previous one finished or cancelled) and posts it to the pool.</summary>
    internal void Start(int count)
    {
        _count = count;
        _completed = 0;
        _failure = null;
        // Release: the count and the subclass' fields are visible to whoever sees the open round.
        Volatile.Write(ref _cursor, (long)++_round << 32);
        WorkerPool.Post(this);
    }

    /// <summary>Whether items of the current round wait to be claimed (a hint: it may change at once).</summary>
    internal bool HasUnclaimed => (int)Volatile.Read(ref _cursor) < _count;

    /// <summary>Claims and runs one item; false when none is left to claim (all are claimed, or no round is open).</summary>
    internal bool TryRunOne()
    {
        long ticket = Volatile.Read(ref _cursor);
        int item = (int)ticket;
        if (item >= _count) return false;
        if (Interlocked.CompareExchange(ref _cursor, ticket + 1, ticket) != ticket) return true; // another claimant won: look again
        try
        {
            Execute(item);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
        }
        Interlocked.Increment(ref _completed);
        return true;
    }

    /// <summary>
    /// Runs the items still unclaimed on this thread, waits for those other threads are running, closes the round and
    /// rethrows an item's exception.
    /// </summary>
    internal void Finish()
    {
        while (TryRunOne()) { }
        WaitFor(_count);
        Close();
        _failure?.Throw();
    }

    /// <summary>Ends the round without running its unclaimed items; returns once the claimed ones have run.</summary>
    internal void Cancel()
    {
        long ticket = Interlocked.Exchange(ref _cursor, ((long)_round << 32) | int.MaxValue);
        if ((int)ticket != int.MaxValue) WaitFor(Math.Min((int)ticket, _count)); // an open round: its claimed items
        Close();
    }

    private void WaitFor(int items)
    {
        var spinner = new SpinWait();
        while (Volatile.Read(ref _completed) < items) spinner.SpinOnce(sleep1Threshold: -1);
    }

    private void Close()
    {
        Volatile.Write(ref _cursor, ((long)_round << 32) | int.MaxValue);
        Interlocked.MemoryBarrier();
        WorkerPool.Withdraw(this);
    }
}

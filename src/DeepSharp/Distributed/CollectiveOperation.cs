namespace DeepSharp;

/// <summary>
/// A collective operation started by <see cref="ICommunicator.StartAllReduce"/> that may still be running: the
/// caller goes on computing and calls <see cref="Wait"/> before it touches the values again. Wait once; a
/// communicator may reuse the object for a later operation after that.
/// </summary>
public abstract class CollectiveOperation
{
    /// <summary>An operation that has already completed (what a communicator without background transfers returns).</summary>
    public static CollectiveOperation Completed { get; } = new Done();

    /// <summary>Returns when the operation has completed on this rank; throws <see cref="DistributedException"/> if it failed.</summary>
    public abstract void Wait();

    private sealed class Done : CollectiveOperation
    {
        public override void Wait()
        {
        }
    }
}

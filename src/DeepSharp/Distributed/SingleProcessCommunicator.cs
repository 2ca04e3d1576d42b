namespace DeepSharp;

/// <summary>
/// The communicator of a run with one process: rank 0 of 1. Collectives return at once with the values
/// unchanged (the sum, average, minimum and maximum over one rank are the rank's own values).
/// </summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <summary>The one instance (it holds no state).</summary>
    public static SingleProcessCommunicator Instance { get; } = new();

    private SingleProcessCommunicator()
    {
    }

    /// <inheritdoc/>
    public int Rank => 0;

    /// <inheritdoc/>
    public int Size => 1;

    /// <inheritdoc/>
    public int LocalRank => 0;

    /// <inheritdoc/>
    public int LocalSize => 1;

    /// <inheritdoc/>
    public string Backend => "single process";

    /// <inheritdoc/>
    public void AllReduce(Span<float> values, ReduceOperation operation = ReduceOperation.Sum) =>
        CommunicatorArguments.CheckOperation(operation);

    /// <inheritdoc/>
    public void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged =>
        CommunicatorArguments.CheckRoot(root, Size);

    /// <inheritdoc/>
    public void Barrier()
    {
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }

    /// <inheritdoc/>
    public override string ToString() => "rank 0 of 1 (single process)";
}

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// Two ranks with identical values, seen from rank 0: a sum all-reduce doubles the values. A started all-reduce
/// completes when it is waited for, as a background transfer completes later; every start and wait is logged, and every
/// buffer handed to an all-reduce is kept.
/// </summary>
internal sealed class TwoIdenticalRanks : ICommunicator
{
    /// <summary>"start n" and "wait n" for each all-reduce of n values, in order.</summary>
    public readonly List<string> Log = [];

    /// <summary>The buffers of the all-reduces started, in order.</summary>
    public readonly List<Memory<float>> Buffers = [];

    public int Rank => 0;
    public int Size => 2;
    public int LocalRank => 0;
    public int LocalSize => 2;
    public string Backend => "test";

    public void AllReduce(Span<float> values, ReduceOperation operation = ReduceOperation.Sum)
    {
        if (operation == ReduceOperation.Sum) foreach (ref var v in values) v *= 2;
    }

    public CollectiveOperation StartAllReduce(Memory<float> values, ReduceOperation operation = ReduceOperation.Sum)
    {
        Log.Add($"start {values.Length}");
        Buffers.Add(values);
        return new Later(this, values, operation);
    }

    public void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged { }
    public void Barrier() { }
    public void Dispose() { }

    private sealed class Later(TwoIdenticalRanks owner, Memory<float> values, ReduceOperation operation) : CollectiveOperation
    {
        public override void Wait()
        {
            owner.Log.Add($"wait {values.Length}");
            owner.AllReduce(values.Span, operation);
        }
    }
}

namespace DeepSharp;

/// <summary>
/// Sums of doubles over all ranks, exact to double precision and the same bits on every rank: each rank's values are
/// broadcast in turn and every rank adds them in rank order. For the few totals of an epoch (a metric's counts, a
/// validation loss), where a float all-reduce would round counts above 2^24 and its order of additions is MPI's.
/// </summary>
internal static class RankSums
{
    /// <summary>Replaces <paramref name="values"/> with their sums over all ranks (a collective: every rank passes as many).</summary>
    public static void Sum(ICommunicator communicator, Span<double> values)
    {
        if (communicator.Size == 1) return;
        var mine = values.ToArray();
        var theirs = new double[values.Length];
        values.Clear();
        for (int root = 0; root < communicator.Size; root++)
        {
            if (communicator.Rank == root) mine.CopyTo(theirs, 0);
            communicator.Broadcast(theirs.AsSpan(), root);
            for (int i = 0; i < values.Length; i++) values[i] += theirs[i];
        }
    }

    /// <summary>Whether <paramref name="flag"/> is set on any rank (a collective).</summary>
    public static bool Any(ICommunicator communicator, bool flag)
    {
        Span<float> value = [flag ? 1f : 0f];
        communicator.AllReduce(value, ReduceOperation.Max);
        return value[0] != 0;
    }
}

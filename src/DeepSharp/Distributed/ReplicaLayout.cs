namespace DeepSharp;

/// <summary>
/// Checks that every rank is about to exchange the same layout (the same tensors, the same sizes) before a fused
/// collective, so that a mismatch gives a message instead of mixing one rank's weights into another's biases.
/// </summary>
internal static class ReplicaLayout
{
    /// <summary>A signature of tensor sizes: their count, their total, and a hash of the sizes in order.</summary>
    public static long[] Signature(IReadOnlyList<Tensor> tensors, long extra = 0)
    {
        long total = 0;
        ulong hash = ReplicaCheck.OffsetBasis;
        for (int i = 0; i < tensors.Count; i++)
        {
            total += tensors[i].Size;
            hash = (hash ^ (ulong)tensors[i].Size) * ReplicaCheck.Prime;
        }
        return [tensors.Count, total, (long)hash, extra];
    }

    /// <summary>Compares every rank's <paramref name="signature"/> with rank <paramref name="root"/>'s; throws on every rank if one differs.</summary>
    public static void Agree(ICommunicator communicator, long[] signature, int root, string what, Func<long[], string> describe)
    {
        if (communicator.Size == 1) return;
        var reference = (long[])signature.Clone();
        communicator.Broadcast(reference.AsSpan(), root);
        bool differs = !reference.AsSpan().SequenceEqual(signature);
        var flags = new float[communicator.Size];
        flags[communicator.Rank] = differs ? 1 : 0;
        communicator.AllReduce(flags, ReduceOperation.Max);
        var ranks = Enumerable.Range(0, flags.Length).Where(r => flags[r] != 0).ToArray();
        if (ranks.Length == 0) return;
        string mine = differs ? $" This rank ({communicator.Rank}) has {describe(signature)}." : "";
        throw new DistributedException(
            $"{what}: rank(s) {string.Join(", ", ranks)} differ from rank {root}, which has {describe(reference)}.{mine} " +
            "Every rank must build the same model and call the same operations in the same order.");
    }
}

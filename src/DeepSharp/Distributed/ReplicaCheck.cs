namespace DeepSharp;

/// <summary>
/// Checks that replicas are identical: a hash of tensors' values, and a collective that compares every rank's
/// hash with rank 0's. Data-parallel training keeps the weights bit-identical on all ranks; this is how a test,
/// or a cautious training loop once per epoch, makes sure.
/// </summary>
public static class ReplicaCheck
{
    internal const ulong OffsetBasis = 14695981039346656037UL; // FNV-1a's
    internal const ulong Prime = 1099511628211UL;

    /// <summary>A 64-bit hash of the tensors' shapes and values (bit patterns, in order): equal hashes mean equal tensors, in practice.</summary>
    public static ulong Hash(IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ulong hash = OffsetBasis;
        float[] buffer = [];
        for (int i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"ReplicaCheck.Hash: tensor {i} is null.");
            if (buffer.Length < tensor.Size) buffer = new float[tensor.Size];
            tensor.CopyTo(buffer);
            hash = (hash ^ (ulong)tensor.Size) * Prime;
            // FNV-1a over 32-bit words: one multiply per value.
            foreach (uint bits in System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(buffer.AsSpan(0, tensor.Size)))
                hash = (hash ^ bits) * Prime;
        }
        return hash;
    }

    /// <summary>
    /// Throws on every rank when the tensors differ on some rank from rank 0's (a collective: every rank calls it
    /// with its own copies of the same tensors). The message lists the ranks that differ.
    /// </summary>
    /// <param name="communicator">The run's communicator.</param>
    /// <param name="tensors">This rank's copies (the weights, the optimizer state).</param>
    /// <param name="what">What they are, for the message.</param>
    public static void VerifyIdentical(this ICommunicator communicator, IReadOnlyList<Tensor> tensors, string what = "weights")
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ulong mine = Hash(tensors);
        if (communicator.Size == 1) return;
        Span<ulong> reference = [mine];
        communicator.Broadcast(reference, 0);
        var flags = new float[communicator.Size];
        flags[communicator.Rank] = reference[0] == mine ? 0 : 1;
        communicator.AllReduce(flags, ReduceOperation.Max);
        var ranks = Enumerable.Range(0, flags.Length).Where(r => flags[r] != 0).ToArray();
        if (ranks.Length > 0)
            throw new DistributedException($"The {what} differ from rank 0's on rank(s) {string.Join(", ", ranks)} " +
                $"(hash on rank 0: {reference[0]:x16}; on this rank, {communicator.Rank}: {mine:x16}).");
    }
}

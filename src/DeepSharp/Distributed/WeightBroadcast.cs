namespace DeepSharp;

/// <summary>
/// Gives every rank rank 0's weights and optimizer state, as Horovod's <c>broadcast_parameters</c> and
/// <c>broadcast_optimizer_state</c>: a data-parallel run starts from one set of weights, whatever each rank's
/// random initialisation or loaded checkpoint was. Tensors are packed into large buffers, one broadcast each.
/// </summary>
public static class WeightBroadcast
{
    private const int ChunkValues = 16 << 20;

    /// <summary>
    /// Overwrites <paramref name="weights"/> on every rank with rank <paramref name="root"/>'s values (a collective:
    /// every rank calls it with its own copies of the same tensors, in the same order).
    /// </summary>
    /// <exception cref="DistributedException">The ranks' tensors differ in number or sizes.</exception>
    public static void BroadcastWeights(this ICommunicator communicator, IReadOnlyList<Tensor> weights, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(weights);
        CommunicatorArguments.CheckRoot(root, communicator.Size);
        for (int i = 0; i < weights.Count; i++)
            if (weights[i] is null) throw new ArgumentNullException(nameof(weights), $"BroadcastWeights: tensor {i} is null.");
        if (communicator.Size == 1) return;
        ReplicaLayout.Agree(communicator, ReplicaLayout.Signature(weights), root, "BroadcastWeights",
            s => $"{s[0]} tensors of {s[1]:N0} values in all");
        Broadcast(communicator, weights, root);
    }

    /// <summary>
    /// Overwrites <paramref name="optimizer"/>'s state (moments, accumulators) on every rank with rank
    /// <paramref name="root"/>'s (a collective). Every rank must have taken the same number of steps and hold state for
    /// the same variables: before the first step (no state yet) it checks just that; after a checkpoint loaded on every
    /// rank it makes the values agree.
    /// </summary>
    /// <exception cref="DistributedException">The ranks' optimizers differ in steps taken or in the state they hold.</exception>
    public static void BroadcastOptimizerState(this ICommunicator communicator, Optimizer optimizer, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(optimizer);
        CommunicatorArguments.CheckRoot(root, communicator.Size);
        if (communicator.Size == 1) return;
        var state = new List<Tensor>();
        foreach (var variable in optimizer.Variables) state.AddRange(optimizer.Slots(variable));
        ReplicaLayout.Agree(communicator, ReplicaLayout.Signature(state, optimizer.Iterations), root, $"BroadcastOptimizerState ({optimizer.Name})",
            s => $"{s[3]} steps taken and {s[0]} state tensors of {s[1]:N0} values");
        Broadcast(communicator, state, root);
    }

    private static void Broadcast(ICommunicator communicator, IReadOnlyList<Tensor> tensors, int root)
    {
        float[] buffer = [];
        int start = 0;
        while (start < tensors.Count)
        {
            // A chunk: as many whole tensors as fit ChunkValues (at least one).
            int end = start;
            long length = 0;
            while (end < tensors.Count && (end == start || length + tensors[end].Size <= ChunkValues)) length += tensors[end++].Size;
            if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<float>((int)length, pinned: true);
            bool sending = communicator.Rank == root;
            if (sending) Copy(tensors, start, end, buffer, toBuffer: true);
            communicator.Broadcast(buffer.AsSpan(0, (int)length), root);
            if (!sending) Copy(tensors, start, end, buffer, toBuffer: false);
            start = end;
        }
    }

    private static void Copy(IReadOnlyList<Tensor> tensors, int start, int end, float[] buffer, bool toBuffer)
    {
        int offset = 0;
        for (int i = start; i < end; i++)
        {
            var slice = buffer.AsSpan(offset, tensors[i].Size);
            if (toBuffer) tensors[i].CopyTo(slice);
            else tensors[i].CopyFrom(slice);
            offset += tensors[i].Size;
        }
    }
}

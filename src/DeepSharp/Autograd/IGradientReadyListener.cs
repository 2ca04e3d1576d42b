namespace DeepSharp;

/// <summary>
/// Told by a restricted backward pass (<see cref="GradientEngine.BackwardTo"/>) the moment each chosen tensor's gradient
/// is complete: after the last node that feeds it has run, while the rest of the graph is still being differentiated.
/// Data-parallel training starts the all-reduce of a bucket of gradients from here, so that the communication overlaps
/// the rest of backward (as PyTorch's DistributedDataParallel and Horovod do).
/// </summary>
internal interface IGradientReadyListener
{
    /// <summary>Source <paramref name="index"/> (its place in the list given to the pass) will receive no more gradient.</summary>
    void GradientReady(int index);
}

namespace DeepSharp;

/// <summary>
/// The processes of a data-parallel run and the collective operations between them: the seam between training
/// and a transport. <see cref="SingleProcessCommunicator"/> is the one-process case, <see cref="OpenMpiCommunicator"/>
/// runs over Open MPI; another backend (a GPU collective library) implements this interface without any change
/// above it. Get the communicator of the current run with <see cref="Communicator.Start"/>.
/// </summary>
/// <remarks>
/// Every rank must call the same collective operations in the same order with the same lengths: a collective
/// completes only when all ranks have entered it. Results of <see cref="AllReduce"/> are bit-identical on every
/// rank, so replicas that apply them stay identical.
/// </remarks>
public interface ICommunicator : IDisposable
{
    /// <summary>This process' number, 0 to <see cref="Size"/> − 1; rank 0 writes logs and checkpoints.</summary>
    int Rank { get; }

    /// <summary>The number of processes in the run (the world size).</summary>
    int Size { get; }

    /// <summary>This process' number among the processes of its host, 0 to <see cref="LocalSize"/> − 1.</summary>
    int LocalRank { get; }

    /// <summary>The number of processes of the run on this host.</summary>
    int LocalSize { get; }

    /// <summary>What carries the messages, for logs: "single process", "Open MPI v4.1.4".</summary>
    string Backend { get; }

    /// <summary>
    /// Combines <paramref name="values"/> over all ranks element by element and leaves the result, identical on
    /// every rank, in <paramref name="values"/>. All ranks pass the same length.
    /// </summary>
    void AllReduce(Span<float> values, ReduceOperation operation = ReduceOperation.Sum);

    /// <summary>
    /// Starts <see cref="AllReduce"/> of <paramref name="values"/> and returns at once where the transport runs it in the
    /// background, so that the caller computes meanwhile (the gradients of the next layers, while those already done
    /// travel). The values must stay untouched until <see cref="CollectiveOperation.Wait"/> has returned. Collectives,
    /// started or not, run in the order they are called; every rank calls the same ones in the same order. The default
    /// runs the all-reduce before returning.
    /// </summary>
    CollectiveOperation StartAllReduce(Memory<float> values, ReduceOperation operation = ReduceOperation.Sum)
    {
        AllReduce(values.Span, operation);
        return CollectiveOperation.Completed;
    }

    /// <summary>Overwrites <paramref name="values"/> on every rank with the values of rank <paramref name="root"/>. All ranks pass the same length.</summary>
    void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged;

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();
}

using System.Globalization;

namespace DeepSharp;

/// <summary>The kinds of work the communication thread runs.</summary>
internal enum CollectiveKind
{
    AllReduce,
    Broadcast,
    Barrier,
    Call,
}

/// <summary>
/// One unit of work for a <see cref="CommunicationThread"/>: a collective on a buffer the caller keeps pinned until
/// <see cref="Done"/> is set, or a call (MPI_Init, MPI_Finalize). Reused from step to step: nothing is allocated per call.
/// </summary>
internal sealed unsafe class CollectiveRequest
{
    public CollectiveKind Kind;
    public void* Buffer;
    public int Count;
    public int ElementSize;
    public nint Datatype;
    public nint Operation;
    public int Root;
    public Action? Call;
    public string? CallName;
    public long Sequence;
    public Exception? Error;
    public readonly ManualResetEventSlim Done = new(false);

    /// <summary>
    /// Blocks once on <see cref="Done"/> for a millisecond: the event creates its lock object the first time a wait
    /// blocks, and that wait would otherwise come in whichever training step first finds the peers slower, allocating there.
    /// </summary>
    public CollectiveRequest() => Done.Wait(1);

    /// <summary>For messages: "an all-reduce of 225,034 values (collective #57)".</summary>
    public string Describe() => Kind switch
    {
        CollectiveKind.AllReduce => $"an all-reduce of {Count.ToString("N0", CultureInfo.InvariantCulture)} values (collective #{Sequence})",
        CollectiveKind.Broadcast => $"a broadcast of {((long)Count * ElementSize).ToString("N0", CultureInfo.InvariantCulture)} bytes from rank {Root} (collective #{Sequence})",
        CollectiveKind.Barrier => $"a barrier (collective #{Sequence})",
        _ => CallName ?? "call",
    };
}

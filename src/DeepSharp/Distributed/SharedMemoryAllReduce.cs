using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// A sum of floats over the ranks of one host through MPI-3 shared memory, in place of MPI_Allreduce for large buffers:
/// each rank copies its values into its own segment of a shared window, then (after a barrier) sums its share of the
/// elements over every segment, in rank order, into its segment, then (after a second barrier) copies every rank's
/// share of the sums out of that rank's segment. Two barriers and three passes over memory, against Open MPI's
/// fragment-by-fragment hand-overs of the shared-memory transport.
/// </summary>
/// <remarks>
/// <para>Every element is summed once, by one rank, always in rank order, and copied to the others: every rank gets the
/// same bits. With two ranks that is also MPI_Allreduce's result (a + b both ways).</para>
/// <para>The window holds two buffers that calls use by turns: a rank that leaves a call and starts the next one writes
/// into the other buffer while a peer may still be copying out of the first; it cannot get two calls ahead, since each
/// call's first barrier waits for every rank.</para>
/// <para>Runs on the communication thread only (its barriers are MPI calls, so a caller's wait keeps watching for a lost
/// rank and the timeout). Used only when every rank of the run is on this host; the window grows, collectively, on the
/// first call with more values than it holds, up to 4 MiB a buffer (every rank passes the same count).</para>
/// </remarks>
internal sealed unsafe class SharedMemoryAllReduce
{
    /// <summary>Fewer values than this go to MPI_Allreduce: for small buffers the two barriers cost more than the copies save.</summary>
    public const int SmallestCount = 1 << 15;

    /// <summary>The most values a buffer of the window holds (4 MiB): larger sums go through it in pieces.</summary>
    private const int LargestPiece = 1 << 20;

    private const int MpiCommTypeShared = 0; // MPI_COMM_TYPE_SHARED in Open MPI's mpi.h

    private readonly OpenMpiLibrary _mpi;
    private readonly nint _node;             // the ranks of this host
    private readonly int _rank, _size;
    private nint _window;
    private float*[] _segments = [];         // every rank's segment, as mapped in this process
    private long _capacity;                  // values a buffer of the window holds
    private int _turn;

    private SharedMemoryAllReduce(OpenMpiLibrary mpi, nint node, int rank, int size)
    {
        (_mpi, _node, _rank, _size) = (mpi, node, rank, size);
    }

    /// <summary>
    /// On the communication thread, right after MPI_Init (a collective: every rank calls it): the shared-memory sum when
    /// every one of the run's <paramref name="worldSize"/> ranks is on this host, else null.
    /// </summary>
    public static SharedMemoryAllReduce? Create(OpenMpiLibrary mpi, int worldSize)
    {
        nint node;
        int rank, size;
        OpenMpiLibrary.Check(mpi.CommSplitType(mpi.CommWorld, MpiCommTypeShared, 0, mpi.InfoNull, &node), "MPI_Comm_split_type");
        OpenMpiLibrary.Check(mpi.CommRank(node, &rank), "MPI_Comm_rank");
        OpenMpiLibrary.Check(mpi.CommSize(node, &size), "MPI_Comm_size");
        if (size == worldSize && size > 1) return new SharedMemoryAllReduce(mpi, node, rank, size);
        OpenMpiLibrary.Check(mpi.CommFree(&node), "MPI_Comm_free");
        return null;
    }

    /// <summary>Sums <paramref name="count"/> floats at <paramref name="values"/> over the ranks, in place (a collective).</summary>
    public void Sum(float* values, int count)
    {
        if (count > _capacity && _capacity < LargestPiece) Grow(Math.Min(count, LargestPiece));
        for (int done = 0; done < count; done += (int)_capacity) SumPiece(values + done, (int)Math.Min(_capacity, count - done));
    }

    private void SumPiece(float* values, int count)
    {
        long offset = (_turn ^= 1) * _capacity;
        float* mine = _segments[_rank] + offset;
        new ReadOnlySpan<float>(values, count).CopyTo(new Span<float>(mine, count));
        OpenMpiLibrary.Check(_mpi.Barrier(_node), "MPI_Barrier");
        var (start, length) = Share(_rank, count);
        if (length > 0)
        {
            // Ranks 0 and 1 sum into their own segments (each element is read before it is written); a later rank's own
            // values are an operand after the first sum, so it sums into its private buffer and copies the result over.
            var sum = new Span<float>(_rank < 2 ? mine + start : values + start, length);
            TensorPrimitives.Add(new ReadOnlySpan<float>(_segments[0] + offset + start, length), new ReadOnlySpan<float>(_segments[1] + offset + start, length), sum);
            for (int r = 2; r < _size; r++) TensorPrimitives.Add(sum, new ReadOnlySpan<float>(_segments[r] + offset + start, length), sum);
            if (_rank >= 2) sum.CopyTo(new Span<float>(mine + start, length));
        }
        OpenMpiLibrary.Check(_mpi.Barrier(_node), "MPI_Barrier");
        for (int r = 0; r < _size; r++)
        {
            var (from, n) = Share(r, count);
            new ReadOnlySpan<float>(_segments[r] + offset + from, n).CopyTo(new Span<float>(values + from, n));
        }
    }

    /// <summary>Rank <paramref name="rank"/>'s elements: consecutive, starting on 64-byte boundaries so that no two ranks write one cache line.</summary>
    private (int Start, int Length) Share(int rank, int count)
    {
        int Bound(int r) => r == _size ? count : (int)Math.Min(count, (long)count * r / _size / 16 * 16);
        int start = Bound(rank);
        return (start, Bound(rank + 1) - start);
    }

    /// <summary>Replaces the window with one of two buffers of <paramref name="count"/> values a rank (a collective).</summary>
    private void Grow(int count)
    {
        Free();
        long capacity = (count + 15L) / 16 * 16;
        nint window;
        float* mine;
        OpenMpiLibrary.Check(_mpi.WinAllocateShared((nint)(2 * capacity * sizeof(float)), sizeof(float), _mpi.InfoNull, _node, &mine, &window), "MPI_Win_allocate_shared");
        var segments = new float*[_size];
        for (int r = 0; r < _size; r++)
        {
            nint bytes;
            int unit;
            float* segment;
            OpenMpiLibrary.Check(_mpi.WinSharedQuery(window, r, &bytes, &unit, &segment), "MPI_Win_shared_query");
            segments[r] = segment;
        }
        (_window, _segments, _capacity, _turn) = (window, segments, capacity, 0);
    }

    /// <summary>Frees the window (a collective; before MPI_Finalize).</summary>
    public void Free()
    {
        if (_window == 0) return;
        nint window = _window;
        OpenMpiLibrary.Check(_mpi.WinFree(&window), "MPI_Win_free");
        (_window, _segments, _capacity) = (0, [], 0);
    }
}

using System.Runtime.InteropServices;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// A run of several ranks as threads of the test process, for quick tests of what sits on top of
/// <see cref="ICommunicator"/>: collectives go through shared buffers, sums in rank order (so identical on every rank).
/// If one rank throws, the others' pending collective is cancelled and <see cref="Run"/> rethrows that failure.
/// All-reduces started with <see cref="ICommunicator.StartAllReduce"/> run in the background, one after the other in the
/// order started, as on Open MPI's communication thread: the rank goes on computing until it waits.
/// </summary>
internal sealed class InProcessGroup
{
    private readonly Barrier _barrier;
    private readonly byte[][] _slots;
    private readonly CancellationTokenSource _failed = new();

    private InProcessGroup(int size)
    {
        _barrier = new Barrier(size);
        _slots = new byte[size][];
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> ranks, each on its own thread, and returns what each returned.</summary>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body)
    {
        var group = new InProcessGroup(size);
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                results[rank] = body(new Member(group, rank, size));
            }
            catch (Exception e)
            {
                errors[rank] = e;
                group._failed.Cancel();
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a rank thread hung");
        var first = errors.FirstOrDefault(e => e is not null and not OperationCanceledException) ?? errors.FirstOrDefault(e => e is not null);
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        return results;
    }

    private void Sync() => _barrier.SignalAndWait(_failed.Token);

    private sealed class Member(InProcessGroup group, int rank, int size) : ICommunicator
    {
        public int Rank => rank;
        public int Size => size;
        public int LocalRank => rank;
        public int LocalSize => size;
        public string Backend => "threads of one process (test)";

        private Task _started = Task.CompletedTask; // the last all-reduce started in the background

        public CollectiveOperation StartAllReduce(Memory<float> values, ReduceOperation operation = ReduceOperation.Sum)
        {
            _started = _started.ContinueWith(previous =>
            {
                previous.GetAwaiter().GetResult(); // a failed one fails those after it
                AllReduce(values.Span, operation);
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return new Started(_started);
        }

        private sealed class Started(Task task) : CollectiveOperation
        {
            public override void Wait() => task.GetAwaiter().GetResult();
        }

        public void AllReduce(Span<float> values, ReduceOperation operation = ReduceOperation.Sum)
        {
            group._slots[rank] = MemoryMarshal.AsBytes(values).ToArray();
            group.Sync();
            var result = MemoryMarshal.Cast<byte, float>(group._slots[0].AsSpan()).ToArray();
            for (int r = 1; r < size; r++)
            {
                var other = MemoryMarshal.Cast<byte, float>(group._slots[r].AsSpan());
                for (int i = 0; i < result.Length; i++)
                    result[i] = operation switch
                    {
                        ReduceOperation.Min => Math.Min(result[i], other[i]),
                        ReduceOperation.Max => Math.Max(result[i], other[i]),
                        _ => result[i] + other[i],
                    };
            }
            if (operation == ReduceOperation.Average)
                for (int i = 0; i < result.Length; i++) result[i] *= 1f / size;
            group.Sync();
            result.CopyTo(values);
        }

        public void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged
        {
            if (rank == root) group._slots[root] = MemoryMarshal.AsBytes(values).ToArray();
            group.Sync();
            if (rank != root) MemoryMarshal.Cast<byte, T>(group._slots[root].AsSpan()).CopyTo(values);
            group.Sync();
        }

        public void Barrier() => group.Sync();

        public void Dispose()
        {
        }
    }
}

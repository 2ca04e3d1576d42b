using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>Every item of a parallel call runs exactly once, whether items go in blocks per thread or to whoever asks next.</summary>
public unsafe class WorkerPoolTests
{
    public static TheoryData<bool, int> Settings() => new() { { true, 2 }, { true, 3 }, { true, 5 }, { false, 2 }, { false, 3 } };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Runs_every_item_once(bool blocks, int threads)
    {
        const int most = 64;
        int* counts = (int*)NativeMemory.AllocZeroed(most, sizeof(int));
        using var settings = new PoolSettings(blocks, threads);
        try
        {
            // Fewer items than threads, as many, ragged blocks; many calls, so that workers join late and help.
            for (int repeat = 0; repeat < 50; repeat++)
                foreach (int count in new[] { 1, 2, 3, 4, 7, 16, 33, most })
                {
                    new Span<int>(counts, most).Clear();
                    var body = new Counting { Counts = counts };
                    WorkerPool.For(count, ref body);
                    for (int i = 0; i < most; i++)
                        Assert.True(counts[i] == (i < count ? 1 : 0), $"blocks {blocks}, {threads} threads, {count} items: item {i} ran {counts[i]} times");
                }
        }
        finally
        {
            NativeMemory.Free(counts);
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void A_failing_item_throws_to_the_caller_after_the_others_ran(bool blocks, int threads)
    {
        const int count = 40;
        int* counts = (int*)NativeMemory.AllocZeroed(count, sizeof(int));
        using var settings = new PoolSettings(blocks, threads);
        try
        {
            var body = new Counting { Counts = counts, Failing = 17 };
            string? message = null;
            try
            {
                WorkerPool.For(count, ref body);
            }
            catch (InvalidOperationException e)
            {
                message = e.Message;
            }
            Assert.Equal("item 17 fails on purpose", message);
            for (int i = 0; i < count; i++) Assert.Equal(1, counts[i]);
            // The pool takes the next call as usual.
            new Span<int>(counts, count).Clear();
            var next = new Counting { Counts = counts };
            WorkerPool.For(count, ref next);
            for (int i = 0; i < count; i++) Assert.Equal(1, counts[i]);
        }
        finally
        {
            NativeMemory.Free(counts);
        }
    }

    [Fact]
    public void A_call_inside_an_item_runs_inline_on_its_thread()
    {
        int* counts = (int*)NativeMemory.AllocZeroed(8 * 8, sizeof(int));
        using var settings = new PoolSettings(blocks: true, threads: 2);
        try
        {
            var body = new Nested { Counts = counts };
            WorkerPool.For(8, ref body);
            for (int i = 0; i < 8 * 8; i++) Assert.Equal(1, counts[i]);
        }
        finally
        {
            NativeMemory.Free(counts);
        }
    }

    /// <summary>Sets the pool's mode and thread count, and puts them back.</summary>
    private readonly struct PoolSettings : IDisposable
    {
        private readonly bool _blocks;
        private readonly int _threads;

        public PoolSettings(bool blocks, int threads)
        {
            _blocks = WorkerPool.Blocks;
            _threads = Parallelism.Threads;
            WorkerPool.Blocks = blocks;
            Parallelism.Threads = threads;
        }

        public void Dispose()
        {
            WorkerPool.Blocks = _blocks;
            Parallelism.Threads = _threads;
        }
    }

    private struct Counting : IParallelBody
    {
        public int* Counts;
        public int Failing;

        public Counting() => Failing = -1;

        public readonly void Execute(int item)
        {
            Interlocked.Increment(ref Counts[item]);
            if (item == Failing) throw new InvalidOperationException($"item {item} fails on purpose");
        }
    }

    /// <summary>Each item runs a call of its own eight items, which must run there and then (a nested call never waits for the pool).</summary>
    private struct Nested : IParallelBody
    {
        public int* Counts;

        public readonly void Execute(int item)
        {
            int thread = Environment.CurrentManagedThreadId;
            var inner = new SameThread { Counts = Counts + item * 8, Thread = thread };
            WorkerPool.For(8, ref inner);
        }
    }

    private struct SameThread : IParallelBody
    {
        public int* Counts;
        public int Thread;

        public readonly void Execute(int item)
        {
            // A count of 2 marks an item that ran on another thread: the assertion after the call reports it.
            Counts[item] += Environment.CurrentManagedThreadId == Thread ? 1 : 2;
        }
    }
}

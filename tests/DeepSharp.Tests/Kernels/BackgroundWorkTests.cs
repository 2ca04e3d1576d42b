using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Background work runs each item of a round exactly once, on idle workers between kernel jobs or on its owner, and
/// a cancelled round leaves nothing running.
/// </summary>
public class BackgroundWorkTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_item_runs_once_while_kernel_jobs_come_and_go(int threads)
    {
        using var settings = Threads(threads);
        var work = new Counting(700);
        for (int round = 0; round < 20; round++)
        {
            work.Reset();
            work.Start(round % 2 == 0 ? 700 : 333);
            var job = new Job();
            for (int call = 0; call < 30; call++) WorkerPool.For(16, ref job);
            work.Finish();
            for (int i = 0; i < 700; i++)
                Assert.True(work.Counts[i] == (i < (round % 2 == 0 ? 700 : 333) ? 1 : 0), $"round {round}, item {i} ran {work.Counts[i]} times");
        }
    }

    [Fact]
    public void Idle_workers_run_the_items_while_the_owner_is_busy_elsewhere()
    {
        using var settings = Threads(2);
        var work = new Counting(64);
        work.Start(64);
        // The owner does not touch the work: the worker pool runs it (it was woken by the post if it slept).
        Assert.True(SpinWait.SpinUntil(() => !work.HasUnclaimed, TimeSpan.FromSeconds(60)), "no worker claimed the items");
        work.Finish();
        Assert.All(work.Counts, count => Assert.Equal(1, count));
        Assert.Contains(work.Threads, thread => thread != Environment.CurrentManagedThreadId);
    }

    [Fact]
    public void A_cancelled_round_has_run_each_item_at_most_once_and_nothing_runs_after_it()
    {
        using var settings = Threads(2);
        var work = new Counting(2000);
        for (int round = 0; round < 10; round++)
        {
            work.Reset();
            work.Start(2000);
            var job = new Job();
            WorkerPool.For(16, ref job);
            work.Cancel();
            int[] after = [.. work.Counts];
            Assert.Equal(0, work.Running);
            Assert.All(after, count => Assert.InRange(count, 0, 1));
            WorkerPool.For(16, ref job); // the workers wake and spin again: a cancelled item must not run now
            Assert.Equal(after, work.Counts);
        }
        work.RunsEachItemOnce();
    }

    [Fact]
    public void A_failing_item_throws_from_Finish_after_the_others_ran_and_the_next_round_runs()
    {
        using var settings = Threads(2);
        var work = new Counting(40) { Failing = 17 };
        work.Start(40);
        var error = Assert.Throws<InvalidOperationException>(work.Finish);
        Assert.Equal("item 17 fails on purpose", error.Message);
        Assert.All(work.Counts, count => Assert.Equal(1, count));

        work.Failing = -1;
        work.RunsEachItemOnce();
    }

    [Fact]
    public void A_second_owner_or_one_thread_runs_its_items_itself_in_Finish()
    {
        using var settings = Threads(2);
        using var gate = new ManualResetEventSlim();
        var first = new Counting(50) { Gate = gate }; // a worker that claims an item waits in it: the work stays posted
        var second = new Counting(50);
        first.Start(50);
        second.Start(50); // the pool holds the first owner's work
        second.Finish();
        gate.Set();
        first.Finish();
        Assert.All(second.Threads, thread => Assert.Equal(Environment.CurrentManagedThreadId, thread));
        Assert.All(first.Counts, count => Assert.Equal(1, count));

        Parallelism.Threads = 1;
        var alone = new Counting(50);
        alone.Start(50);
        alone.Finish();
        Assert.All(alone.Threads, thread => Assert.Equal(Environment.CurrentManagedThreadId, thread));
    }

    /// <summary>Counts how often each item ran and on which thread it last ran; optionally one item throws.</summary>
    private sealed class Counting(int most) : BackgroundWork
    {
        private int _running;

        public int[] Counts { get; } = new int[most];

        public int[] Threads { get; } = new int[most];

        public int Failing { get; set; } = -1;

        public ManualResetEventSlim? Gate { get; init; }

        public int Running => Volatile.Read(ref _running);

        public void Reset()
        {
            Array.Clear(Counts);
            Array.Clear(Threads);
        }

        /// <summary>Runs a fresh round of all the items, finished by the owner, and asserts that each ran once.</summary>
        public void RunsEachItemOnce()
        {
            Reset();
            Start(Counts.Length);
            Finish();
            Assert.All(Counts, count => Assert.Equal(1, count));
        }

        protected override void Execute(int item)
        {
            Interlocked.Increment(ref _running);
            Gate?.Wait();
            Interlocked.Increment(ref Counts[item]);
            Threads[item] = Environment.CurrentManagedThreadId;
            Thread.SpinWait(200); // long enough for the owner and a worker to overlap
            Interlocked.Decrement(ref _running);
            if (item == Failing) throw new InvalidOperationException($"item {item} fails on purpose");
        }
    }

    /// <summary>A kernel job of small items.</summary>
    private struct Job : IParallelBody
    {
        public readonly void Execute(int item) => Thread.SpinWait(50);
    }

    /// <summary>Sets the kernel threads and puts them back.</summary>
    private static Setting<int> Threads(int threads) => new(() => Parallelism.Threads, t => Parallelism.Threads = t, threads);
}

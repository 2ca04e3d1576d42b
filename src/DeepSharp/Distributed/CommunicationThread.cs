using System.Collections.Concurrent;

namespace DeepSharp;

/// <summary>
/// The one thread that makes every call into the transport, as Horovod's background thread does: MPI is
/// initialised by it (MPI_THREAD_FUNNELED then suffices) and no training thread ever blocks inside MPI, so a
/// training thread can keep a watchdog on a collective that never completes. Work runs in submission order.
/// </summary>
internal sealed class CommunicationThread : IDisposable
{
    private static readonly CollectiveRequest Stop = new() { Kind = CollectiveKind.Call, CallName = "stop" };

    private readonly ConcurrentQueue<CollectiveRequest> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly Action<CollectiveRequest> _execute;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public CommunicationThread(string name, Action<CollectiveRequest> execute)
    {
        _execute = execute;
        // Background: a thread stuck in a collective with a dead peer must not keep the process alive.
        _thread = new Thread(Run) { Name = name, IsBackground = true };
        _thread.Start();
    }

    /// <summary>Whether the caller is the communication thread itself.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>Queues a request; its <see cref="CollectiveRequest.Done"/> is set when it has run (or failed).</summary>
    public void Submit(CollectiveRequest request)
    {
        if (_stopping) throw new ObjectDisposedException(nameof(CommunicationThread), "The communication thread has stopped.");
        request.Error = null;
        request.Done.Reset();
        _queue.Enqueue(request);
        _available.Release();
    }

    private void Run()
    {
        while (true)
        {
            _available.Wait();
            if (!_queue.TryDequeue(out var request)) continue;
            if (ReferenceEquals(request, Stop)) return;
            try
            {
                _execute(request);
            }
            catch (Exception e)
            {
                request.Error = e;
            }
            request.Done.Set();
        }
    }

    /// <summary>Lets the thread end after the work already queued; does not wait for it (it may be stuck in a collective).</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _queue.Enqueue(Stop);
        _available.Release();
    }
}

using System.Globalization;

namespace DeepSharp;

/// <summary>How a distributed run starts and guards its collective operations.</summary>
public sealed class DistributedOptions
{
    /// <summary>
    /// Refuse to run as a single process: <see cref="Communicator.Start"/> throws, saying how to launch with mpirun,
    /// when this process was not started by Open MPI's launcher.
    /// </summary>
    public bool RequireDistributed { get; init; }

    /// <summary>
    /// How long a collective operation may wait for the other ranks before the run is declared stuck and ended
    /// with a <see cref="DistributedException"/> (default 10 minutes, or <c>$DEEPSHARP_COLLECTIVE_TIMEOUT</c>
    /// seconds). Ranks legitimately wait for each other (rank 0 writing a checkpoint): keep it generous. A rank
    /// that dies is detected at once, without this timeout.
    /// </summary>
    public TimeSpan CollectiveTimeout { get; init; } = FromEnvironment("DEEPSHARP_COLLECTIVE_TIMEOUT", TimeSpan.FromMinutes(10));

    /// <summary>After this long in one collective a rank prints, once, which operation it is waiting in (default 60 s).</summary>
    public TimeSpan StallWarning { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Keep a TCP connection from every rank to rank 0 whose loss names a dead rank at once (default true). Without
    /// it a lost rank still ends the run (mpirun ends every rank when one dies), but with only mpirun's report.
    /// </summary>
    public bool MonitorRanks { get; init; } = true;

    /// <summary>
    /// Divide the host's cores among its ranks (default true): when a distributed run starts and the kernel threads are
    /// still the default (no <c>DEEPSHARP_THREADS</c>, <see cref="Parallelism.Threads"/> not changed), each rank uses
    /// <see cref="LaunchEnvironment.ThreadsPerRank"/> threads, so that two ranks on two cores use one core each.
    /// </summary>
    public bool ShareCores { get; init; } = true;

    /// <summary>
    /// Let a rank waiting in MPI give its core away (default true): Open MPI's <c>mpi_yield_when_idle</c>, set for this
    /// process before MPI starts unless the launch sets it (<c>--mca mpi_yield_when_idle 0</c> or
    /// <c>OMPI_MCA_mpi_yield_when_idle</c>). Open MPI otherwise polls without pause while it waits, which on a host with
    /// as many ranks as cores takes the core from the rank's own backward pass (the all-reduce overlaps it), and on a
    /// busy host from the very peer it waits for (BENCHMARKS.md).
    /// </summary>
    public bool YieldWhenIdle { get; init; } = true;

    /// <summary>
    /// Pass messages between the ranks of one host in shared-memory fragments of 128 KiB (default true): Open MPI's
    /// <c>btl_vader_max_send_size</c> 131072 and <c>btl_vader_eager_limit</c> 65536 instead of its 32 KiB and 4 KiB, set for
    /// this process before MPI starts unless the launch sets either of them (<c>--mca</c> or <c>OMPI_MCA_...</c>). A large
    /// all-reduce that Open MPI carries then takes a quarter of the fragments, each a hand-over between the ranks
    /// (BENCHMARKS.md).
    /// </summary>
    public bool LargeSharedMemoryFragments { get; init; } = true;

    internal void Validate()
    {
        if (CollectiveTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(CollectiveTimeout), CollectiveTimeout, $"DistributedOptions: CollectiveTimeout must be > 0; got {CollectiveTimeout}.");
        if (StallWarning <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(StallWarning), StallWarning, $"DistributedOptions: StallWarning must be > 0; got {StallWarning}.");
    }

    private static TimeSpan FromEnvironment(string name, TimeSpan fallback)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0) || seconds > TimeSpan.MaxValue.TotalSeconds)
            throw new DistributedException($"{name} must be a number of seconds > 0; got '{text}'.");
        return TimeSpan.FromSeconds(seconds);
    }
}

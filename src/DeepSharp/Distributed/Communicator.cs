namespace DeepSharp;

/// <summary>
/// The communicator of the current run: <see cref="Start"/> returns an <see cref="OpenMpiCommunicator"/> when Open
/// MPI's mpirun launched this process, and <see cref="SingleProcessCommunicator.Instance"/> otherwise. Nothing
/// touches MPI's native library before a launched process calls <see cref="Start"/>, so DeepSharp runs without MPI.
/// </summary>
/// <example>
/// <code>
/// // mpirun -np 2 dotnet train.dll
/// using var communicator = Communicator.Start();
/// var optimizer = new DistributedOptimizer(new Adam(1e-3), communicator);
/// communicator.BroadcastWeights(model.TrainableWeights);          // every rank starts from rank 0's weights
/// </code>
/// </example>
public static class Communicator
{
    /// <summary>
    /// Whether this process's kernel threads fill every core it may run on (one rank a core, the usual launch): its
    /// communication thread then runs only while the training thread waits, so nothing overlaps with backward.
    /// </summary>
    internal static bool KernelThreadsFillCores => Parallelism.Threads >= Environment.ProcessorCount;

    private static readonly object s_gate = new();
    private static ICommunicator? s_current;
    private static bool s_exitHooked;

    /// <summary>What the launcher told this process (no native library involved).</summary>
    public static LaunchEnvironment Launch => LaunchEnvironment.Current;

    /// <summary>The MPI communicator <see cref="Start"/> started, until it is disposed; null before and in a single-process run.</summary>
    public static ICommunicator? Current
    {
        get
        {
            lock (s_gate) return s_current;
        }
    }

    /// <summary>
    /// Starts the run's communicator, or returns the one already started. Under mpirun it loads Open MPI and
    /// starts MPI (a collective call: every rank makes it); otherwise it is the single-process communicator.
    /// A started MPI communicator is finalised when the process exits, if it was not disposed before.
    /// </summary>
    /// <exception cref="DistributedException">
    /// Open MPI's library is missing, another MPI's launcher started the process, or
    /// <see cref="DistributedOptions.RequireDistributed"/> is set and no launcher started it; the message says what to do.
    /// </exception>
    public static ICommunicator Start(DistributedOptions? options = null)
    {
        options ??= new DistributedOptions();
        lock (s_gate)
        {
            if (s_current is not null) return s_current;
            var launch = Launch;
            if (!launch.IsOpenMpi)
            {
                if (launch.OtherLauncher is not null)
                    throw new DistributedException($"This process was started by {launch.OtherLauncher}; DeepSharp's distributed training runs on Open MPI. " +
                        $"Start it with Open MPI's mpirun instead. {OpenMpiLibrary.InstallAdvice}");
                if (options.RequireDistributed) throw new DistributedException(NotLaunchedMessage());
                return SingleProcessCommunicator.Instance;
            }
            var communicator = new OpenMpiCommunicator(launch, options);
            s_current = communicator;
            if (options.ShareCores && Parallelism.Threads == Environment.ProcessorCount &&
                string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DEEPSHARP_THREADS")))
                Parallelism.Threads = launch.ThreadsPerRank;
            if (!s_exitHooked)
            {
                s_exitHooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Current?.Dispose();
            }
            return communicator;
        }
    }

    /// <summary>Called by a communicator when it is disposed.</summary>
    internal static void Forget(ICommunicator communicator)
    {
        lock (s_gate)
            if (ReferenceEquals(s_current, communicator)) s_current = null;
    }

    private static string NotLaunchedMessage()
    {
        bool hasMpirun = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "mpirun")));
        return "Distributed training was asked for, but this process was not started by Open MPI's mpirun " +
            "(OMPI_COMM_WORLD_SIZE is not set). Start every rank with it, for example: " +
            "mpirun -np 2 --bind-to none -x TERM=dumb <program> <arguments>" +
            (hasMpirun ? "." : $". mpirun was not found on PATH: {OpenMpiLibrary.InstallAdvice}");
    }
}

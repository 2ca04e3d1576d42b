using System.Globalization;

namespace DeepSharp;

/// <summary>
/// What the launcher told this process through its environment: Open MPI's <c>mpirun</c> sets
/// <c>OMPI_COMM_WORLD_SIZE</c>, <c>OMPI_COMM_WORLD_RANK</c>, <c>OMPI_COMM_WORLD_LOCAL_RANK</c> and
/// <c>OMPI_COMM_WORLD_LOCAL_SIZE</c> in every rank. Reading it touches no native library.
/// </summary>
public sealed class LaunchEnvironment
{
    private LaunchEnvironment(bool byOpenMpi, int rank, int size, int localRank, int localSize, string? otherLauncher)
    {
        IsOpenMpi = byOpenMpi;
        Rank = rank;
        Size = size;
        LocalRank = localRank;
        LocalSize = localSize;
        OtherLauncher = otherLauncher;
    }

    /// <summary>The environment of this process (read once).</summary>
    public static LaunchEnvironment Current => s_current ??= FromVariables(Environment.GetEnvironmentVariable);

    private static LaunchEnvironment? s_current;

    /// <summary>Whether Open MPI's mpirun (or mpiexec, orterun) started this process.</summary>
    public bool IsOpenMpi { get; }

    /// <summary>This process' rank (0 without a launcher).</summary>
    public int Rank { get; }

    /// <summary>The number of processes launched (1 without a launcher).</summary>
    public int Size { get; }

    /// <summary>The rank among the processes on this host.</summary>
    public int LocalRank { get; }

    /// <summary>The number of processes launched on this host.</summary>
    public int LocalSize { get; }

    /// <summary>
    /// The kernel threads each rank should use so that the ranks of this host share its cores instead of fighting over
    /// them: the core count divided by <see cref="LocalSize"/>, at least 1 (the core count without a launcher).
    /// </summary>
    public int ThreadsPerRank => Math.Max(1, Environment.ProcessorCount / LocalSize);

    /// <summary>Another MPI's launcher that started this process (DeepSharp speaks Open MPI only), or null.</summary>
    public string? OtherLauncher { get; }

    /// <summary>Reads the launch from environment variables (<paramref name="variable"/> returns null for an unset one).</summary>
    /// <exception cref="DistributedException">A variable set by the launcher does not hold a valid number.</exception>
    public static LaunchEnvironment FromVariables(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        if (variable("OMPI_COMM_WORLD_SIZE") is null)
        {
            string? other = variable("PMI_SIZE") is { } pmi ? $"a PMI launcher such as MPICH's or Intel MPI's mpiexec (PMI_SIZE={pmi})"
                : variable("MV2_COMM_WORLD_SIZE") is { } mv ? $"MVAPICH's launcher (MV2_COMM_WORLD_SIZE={mv})"
                : null;
            return new LaunchEnvironment(false, 0, 1, 0, 1, other);
        }
        int size = Read(variable, "OMPI_COMM_WORLD_SIZE", 1, int.MaxValue);
        int rank = Read(variable, "OMPI_COMM_WORLD_RANK", 0, size - 1);
        int localSize = variable("OMPI_COMM_WORLD_LOCAL_SIZE") is null ? 1 : Read(variable, "OMPI_COMM_WORLD_LOCAL_SIZE", 1, size);
        int localRank = variable("OMPI_COMM_WORLD_LOCAL_RANK") is null ? 0 : Read(variable, "OMPI_COMM_WORLD_LOCAL_RANK", 0, localSize - 1);
        return new LaunchEnvironment(true, rank, size, localRank, localSize, null);
    }

    private static int Read(Func<string, string?> variable, string name, int min, int max)
    {
        string? text = variable(name);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new DistributedException($"The launcher's environment variable {name} must be a whole number in [{min}, {max}]; got '{text}'.");
        return value;
    }

    /// <inheritdoc/>
    public override string ToString() => IsOpenMpi
        ? $"Open MPI launch: rank {Rank} of {Size} (local rank {LocalRank} of {LocalSize})"
        : OtherLauncher is null ? "no launcher: a single process" : $"launched by {OtherLauncher}, which DeepSharp does not speak";
}

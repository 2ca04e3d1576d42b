using DeepSharp.Cli.Options;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp info</c>: version, SIMD width, cores, threads, and the distributed setting (ranks, Open MPI).</summary>
public sealed class InfoCommand : ICommand
{
    private static readonly CliOption Threads = CommonOptions.Threads.Describe("threads to report (and use), 1 to 256 (default: DEEPSHARP_THREADS or the core count)");

    /// <inheritdoc/>
    public string Name => "info";

    /// <inheritdoc/>
    public string Summary => "print version, detected SIMD width, core count, thread setting, ranks and Open MPI";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => [Threads];

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp info [--threads N]")
        .Paragraph("Prints the DeepSharp version, the vector width the kernels use, the CPU,\nthe number of cores, how many threads the kernels will use, and this process' rank\n" +
            "among those mpirun started with the Open MPI library found (or what to install).\nUnder mpirun, rank 0 prints.")
        .Section("Options", [Threads])
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        // Under mpirun this starts MPI on every rank, and the default threads become each rank's share of the cores.
        var ranks = Communicator.Start();
        int threads = CommonOptions.ReadThreads(options);
        options.RejectUnknown();
        Parallelism.Threads = threads;
        if (ranks.Rank != 0) return 0;
        output.WriteLine($"DeepSharp {CommandRunner.Version}");
        // NativeAOT cannot generate code at run time: that is how a binary knows it was compiled ahead of time.
        string compilation = System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT";
        output.WriteLine($"runtime      .NET {Environment.Version} ({compilation})");
        output.WriteLine($"cpu          {HardwareInfo.ProcessorName}");
        output.WriteLine($"simd         {(HardwareInfo.VectorWidthBits == 0 ? "scalar" : $"Vector{HardwareInfo.VectorWidthBits}")}");
        output.WriteLine($"cores        {HardwareInfo.ProcessorCount}");
        output.WriteLine($"threads      {Parallelism.Threads}{(ranks.Size > 1 ? " per rank" : "")}");
        output.WriteLine($"ranks        {Ranks(ranks)}");
        output.WriteLine($"open mpi     {OpenMpi(ranks)}");
        return 0;
    }

    private static string Ranks(ICommunicator ranks) => ranks.Size > 1
        ? $"rank {ranks.Rank} of {ranks.Size} ({ranks.LocalSize} on this host)"
        : "1 (a single process; under Open MPI's mpirun -np N, N ranks train data-parallel)";

    /// <summary>The Open MPI library of the run, or the one a run would load, or what to install.</summary>
    private static string OpenMpi(ICommunicator ranks)
    {
        if (ranks is OpenMpiCommunicator running) return $"{running.Backend} ({running.LibraryPath})";
        try
        {
            return $"{OpenMpiCommunicator.ProbeLibrary()} found; start with mpirun to use it";
        }
        catch (DistributedException e)
        {
            return $"not found: {e.Message}";
        }
    }
}

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp info</c>: version, SIMD width, cores and threads.</summary>
public sealed class InfoCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "info";

    /// <inheritdoc/>
    public string Summary => "print version, detected SIMD width, core count and thread setting";

    /// <inheritdoc/>
    public string Help => """
        Usage: deepsharp info [--threads N]

        Prints the DeepSharp version, the vector width the kernels use, the CPU,
        the number of cores and how many threads the kernels will use.

          --threads N   threads to report (and use), 1..256; default: DEEPSHARP_THREADS or the core count

        """;

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output)
    {
        int threads = options.Int("threads", Parallelism.Threads, 1, 256);
        options.RejectUnknown();
        Parallelism.Threads = threads;
        var version = typeof(Tensor).Assembly.GetName().Version;
        output.WriteLine($"DeepSharp {version?.ToString(3)}");
        output.WriteLine($"runtime      .NET {Environment.Version}");
        output.WriteLine($"cpu          {HardwareInfo.ProcessorName}");
        output.WriteLine($"simd         {(HardwareInfo.VectorWidthBits == 0 ? "scalar" : $"Vector{HardwareInfo.VectorWidthBits}")}");
        output.WriteLine($"cores        {HardwareInfo.ProcessorCount}");
        output.WriteLine($"threads      {Parallelism.Threads}");
        return 0;
    }
}

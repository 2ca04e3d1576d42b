using DeepSharp.Cli.Options;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp info</c>: version, SIMD width, cores and threads.</summary>
public sealed class InfoCommand : ICommand
{
    private static readonly CliOption Threads = CommonOptions.Threads.Describe("threads to report (and use), 1 to 256 (default: DEEPSHARP_THREADS or the core count)");

    /// <inheritdoc/>
    public string Name => "info";

    /// <inheritdoc/>
    public string Summary => "print version, detected SIMD width, core count and thread setting";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => [Threads];

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp info [--threads N]")
        .Paragraph("Prints the DeepSharp version, the vector width the kernels use, the CPU,\nthe number of cores and how many threads the kernels will use.")
        .Section("Options", [Threads])
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        int threads = CommonOptions.ReadThreads(options);
        options.RejectUnknown();
        Parallelism.Threads = threads;
        output.WriteLine($"DeepSharp {CommandRunner.Version}");
        // NativeAOT cannot generate code at run time: that is how a binary knows it was compiled ahead of time.
        string compilation = System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT";
        output.WriteLine($"runtime      .NET {Environment.Version} ({compilation})");
        output.WriteLine($"cpu          {HardwareInfo.ProcessorName}");
        output.WriteLine($"simd         {(HardwareInfo.VectorWidthBits == 0 ? "scalar" : $"Vector{HardwareInfo.VectorWidthBits}")}");
        output.WriteLine($"cores        {HardwareInfo.ProcessorCount}");
        output.WriteLine($"threads      {Parallelism.Threads}");
        return 0;
    }
}

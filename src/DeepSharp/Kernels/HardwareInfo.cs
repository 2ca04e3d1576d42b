using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>What DeepSharp found on this machine: for <c>deepsharp info</c> and benchmark tables.</summary>
public static class HardwareInfo
{
    /// <summary>The vector width the kernels use: 512, 256, 128, or 0 for scalar code.</summary>
    public static int VectorWidthBits => (int)Simd.Level;

    /// <summary>Logical processors available to this process.</summary>
    public static int ProcessorCount => Environment.ProcessorCount;

    /// <summary>The CPU model name, as the operating system reports it (or "unknown").</summary>
    public static string ProcessorName { get; } = ReadProcessorName();

    private static string ReadProcessorName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") ?? "unknown";
    }
}

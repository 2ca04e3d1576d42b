namespace DeepSharp;

/// <summary>How many threads DeepSharp's kernels use.</summary>
public static class Parallelism
{
    private static int _threads = DefaultThreads();

    /// <summary>
    /// Threads per kernel call, the calling thread included. Defaults to the number of cores, or to the
    /// <c>DEEPSHARP_THREADS</c> environment variable when set. Small kernels use one thread whatever this says.
    /// </summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            if (value < 1 || value > 256)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Threads must be between 1 and 256.");
            _threads = value;
        }
    }

    private static int DefaultThreads()
    {
        var text = Environment.GetEnvironmentVariable("DEEPSHARP_THREADS");
        return int.TryParse(text, out int n) && n >= 1 ? Math.Min(n, 256) : Environment.ProcessorCount;
    }
}

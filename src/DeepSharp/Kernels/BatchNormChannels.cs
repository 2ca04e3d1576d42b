namespace DeepSharp.Kernels;

/// <summary>
/// Batch normalization's per-channel work between its passes over the data: each outer range's partial sums added into one
/// per channel, then what the op makes of them (<see cref="IBatchNormChannelWork"/>). After a Dense layer of 6,272 units
/// that is a loop over 6,272 channels, forward and backward, which ran on the calling thread while the other waited; from
/// <see cref="ParallelMinChannels"/> channels on it runs in chunks of channels on all threads. Every channel's values are
/// computed by the same code in the same order whichever thread runs its chunk, so the bits do not change.
/// </summary>
internal static unsafe class BatchNormChannels
{
    private const int ParallelMinChannels = 1024;
    private const int ChunkChannels = 512;
    private const int MaxChunks = 8;

    /// <summary>
    /// Whether many channels are shared between threads (see the class); false runs them on the calling thread, for A/B
    /// comparisons (the same bits either way). Starts false when the environment variable <c>DEEPSHARP_BATCHNORM_CHANNELS</c>
    /// is <c>serial</c>.
    /// </summary>
    internal static bool Parallel { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_BATCHNORM_CHANNELS"), "serial", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs <paramref name="work"/> over all <paramref name="channels"/>: in chunks on all threads, or whole on this one.</summary>
    internal static void Run<TWork>(int channels, ref TWork work) where TWork : struct, IBatchNormChannelWork
    {
        int chunks = Parallel && channels >= ParallelMinChannels ? Math.Min(MaxChunks, channels / ChunkChannels) : 1;
        if (chunks <= 1 || Parallelism.Threads <= 1 || WorkerPool.InsideJob)
        {
            work.Run(0, channels);
            return;
        }
        var body = new Chunks<TWork> { Work = work, ChannelCount = channels, Count = chunks };
        WorkerPool.For(chunks, ref body);
    }

    private struct Chunks<TWork> : IParallelBody where TWork : struct, IBatchNormChannelWork
    {
        public TWork Work;
        public int ChannelCount, Count;

        public readonly void Execute(int item)
        {
            var work = Work;
            work.Run((int)((long)ChannelCount * item / Count), (int)((long)ChannelCount * (item + 1) / Count));
        }
    }
}

using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Normal deviates from pairs of uniform 64-bit draws (the Box–Muller transform): the math behind
/// <see cref="RandomGenerator.NextNormal"/>, and long fills of it shared between threads. Drawing the bits is a chain
/// (each state from the one before) and stays on the calling thread; the transform of each pair (a logarithm, a square
/// root, a sine and a cosine, most of the time) depends only on its two draws, so it runs in chunks of pairs on all
/// threads with the bits of the one-at-a-time loop.
/// </summary>
internal static unsafe class BoxMuller
{
    private const int ParallelMinPairs = 1024;
    private const int ChunkPairs = 256;
    private const int MaxChunks = 8;

    /// <summary>
    /// Whether long fills transform their pairs on all threads (the same values either way); false transforms them on the
    /// calling thread, for A/B comparisons. Starts false when the environment variable <c>DEEPSHARP_NORMAL_DRAW</c> is
    /// <c>serial</c>.
    /// </summary>
    internal static bool InChunks { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_NORMAL_DRAW"), "serial", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <see cref="Fill"/> would share <paramref name="pairs"/> pairs between threads (else the caller draws them one by one).</summary>
    internal static bool Shares(int pairs) => InChunks && pairs >= ParallelMinPairs && Parallelism.Threads > 1 && !WorkerPool.InsideJob;

    /// <summary>A double uniformly in [0, 1) from 64 random bits (their top 53).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Unit(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    /// <summary>Two standard normal deviates from two draws: r·cos θ and r·sin θ, r = √(−2 ln(1 − u₁)), θ = 2π·u₂.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Pair(ulong first, ulong second, out float cosine, out float sine)
    {
        double u1 = 1.0 - Unit(first); // (0, 1]: log is finite
        double u2 = Unit(second);
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        sine = (float)(radius * Math.Sin(2 * Math.PI * u2));
        cosine = (float)(radius * Math.Cos(2 * Math.PI * u2));
    }

    /// <summary>
    /// values[2p] = mean + std·cosine and values[2p + 1] = mean + std·sine of <see cref="Pair"/>(draws[2p], draws[2p + 1]), for
    /// p below <paramref name="pairs"/>: in chunks of pairs on all threads.
    /// </summary>
    internal static void Fill(float* values, ulong* draws, int pairs, float mean, float std)
    {
        var body = new Chunks { Values = values, Draws = draws, Pairs = pairs, Mean = mean, Std = std };
        body.Count = Math.Clamp((pairs + ChunkPairs - 1) / ChunkPairs, 1, MaxChunks);
        WorkerPool.For(body.Count, ref body);
    }

    private struct Chunks : IParallelBody
    {
        public float* Values;
        public ulong* Draws;
        public int Pairs, Count;
        public float Mean, Std;

        public readonly void Execute(int item)
        {
            int p0 = (int)((long)Pairs * item / Count), p1 = (int)((long)Pairs * (item + 1) / Count);
            for (int p = p0; p < p1; p++)
            {
                Pair(Draws[2 * p], Draws[2 * p + 1], out float cosine, out float sine);
                Values[2 * p] = Mean + Std * cosine;
                Values[2 * p + 1] = Mean + Std * sine;
            }
        }
    }
}

namespace DeepSharp.Tests.TestSupport;

/// <summary>What a warmed-up step allocates on the calling thread: the promise of zero managed allocation per step.</summary>
internal static class SteadyStateAllocation
{
    /// <summary>
    /// The fewest bytes this thread allocated in a round of <paramref name="stepsPerRound"/> calls of
    /// <paramref name="step"/>, over up to <paramref name="rounds"/> rounds (ending early at zero). The JIT's tier-up can
    /// allocate on this thread once in a while; a real leak shows in every round.
    /// </summary>
    public static long FewestBytes(Action step, int rounds, int stepsPerRound)
    {
        long fewest = long.MaxValue;
        for (int round = 0; round < rounds && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < stepsPerRound; i++) step();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}

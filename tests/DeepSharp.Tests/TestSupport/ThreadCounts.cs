namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// Runs a computation at several kernel thread counts and asserts that every result has the same bits at each:
/// the promise of DESIGN.md that reductions are cut into chunks that do not depend on the workers.
/// </summary>
internal static class ThreadCounts
{
    /// <summary>One thread, two, and three (ranges that do not split evenly).</summary>
    public static readonly int[] OneTwoThree = [1, 2, 3];

    /// <summary>Runs <paramref name="run"/> at each of <paramref name="counts"/> (one thread first) and compares the results with the first's.</summary>
    public static void SameBits(string what, Func<float[][]> run, params int[] counts)
    {
        if (counts.Length == 0) counts = OneTwoThree;
        float[][]? reference = null;
        foreach (int threads in counts)
        {
            var results = At(threads, run);
            if (reference is null) reference = results;
            else Identical($"{what}, {threads} threads against {counts[0]}", reference, results);
        }
    }

    /// <summary>
    /// A switch that must not change a bit: <paramref name="run"/>(false), the old path, at one thread, then
    /// <paramref name="run"/>(true), the new one, at each of <paramref name="counts"/>, each result compared with the old
    /// path's (<paramref name="against"/> names that comparison) and with the new path's at the first count.
    /// </summary>
    public static void SameBitsAsOldPath(string what, string against, Func<bool, float[][]> run, params int[] counts)
    {
        var old = At(1, () => run(false));
        SameBits(what, () =>
        {
            var results = run(true);
            Identical(against, old, results);
            return results;
        }, counts);
    }

    /// <summary>Runs <paramref name="run"/> with <paramref name="threads"/> kernel threads, then sets the count back.</summary>
    public static T At<T>(int threads, Func<T> run)
    {
        int saved = Parallelism.Threads;
        Parallelism.Threads = threads;
        try
        {
            return run();
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    /// <summary>Runs <paramref name="run"/> with <paramref name="threads"/> kernel threads, then sets the count back.</summary>
    public static void At(int threads, Action run) => At(threads, () =>
    {
        run();
        return 0;
    });

    /// <summary>Asserts that <paramref name="actual"/> has the bits of <paramref name="expected"/>, array by array.</summary>
    public static void Identical(string what, float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.True(expected[r].Length == actual[r].Length, $"{what}: result {r} has {actual[r].Length} values, expected {expected[r].Length}");
            for (int i = 0; i < expected[r].Length; i++)
                if (BitConverter.SingleToInt32Bits(expected[r][i]) != BitConverter.SingleToInt32Bits(actual[r][i]))
                    Assert.Fail($"{what}: result {r}, element {i} is {actual[r][i]:R}, expected {expected[r][i]:R} (bit for bit)");
        }
    }
}

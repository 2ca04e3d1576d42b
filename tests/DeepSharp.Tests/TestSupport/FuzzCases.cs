using CsCheck;

namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// Runs a check on cases drawn by a CsCheck generator from fixed seeds, so every run (CI's included) draws the
/// same cases and a failure names the one case to replay. CsCheck's own Sample draws from a new random seed on
/// each run; here case <c>i</c> is drawn from seed <c>DEEPSHARP_FUZZ_SEED + i</c> (14 by default), and
/// <c>DEEPSHARP_FUZZ_CASES</c> changes how many are drawn (a longer probe, or 1 to replay a failure).
/// </summary>
internal static class FuzzCases
{
    /// <summary>The seed of the first case.</summary>
    public static ulong FirstSeed => ulong.TryParse(Environment.GetEnvironmentVariable("DEEPSHARP_FUZZ_SEED"), out ulong seed) ? seed : 14;

    /// <summary>The number of cases to draw: <c>DEEPSHARP_FUZZ_CASES</c> when set, else <paramref name="byDefault"/>.</summary>
    public static int Count(int byDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("DEEPSHARP_FUZZ_CASES"), out int n) && n > 0 ? n : byDefault;

    /// <summary>Draws <paramref name="count"/> cases and checks each; the first failure is rethrown naming the case and its seed.</summary>
    public static void Run<T>(Gen<T> gen, int count, Action<T> check)
    {
        ulong first = FirstSeed;
        for (int i = 0; i < count; i++)
        {
            ulong seed = first + (ulong)i;
            // The case seed goes through a mixing step so that neighbouring seeds draw unrelated cases.
            T value = gen.Generate(new PCG(stream: 14, seed: Mix(seed)), null!, out _);
            try
            {
                check(value);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"Fuzz case {i} failed: {value}. Replay it alone with DEEPSHARP_FUZZ_SEED={seed} DEEPSHARP_FUZZ_CASES=1.{Environment.NewLine}{e.Message}", e);
            }
        }
    }

    /// <summary>SplitMix64's finalizer.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}

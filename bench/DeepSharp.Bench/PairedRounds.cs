using System.Diagnostics;

namespace DeepSharp.Bench;

/// <summary>
/// An A/B of one action in two settings in one process, for a shared machine: many short rounds, each timing a few calls
/// with the setting on and a few with it off (which goes first alternates, and the first call after a switch is not
/// timed). Each round's ratio compares the two sides under nearly the same load; their median moves less with a load that
/// comes and goes than either side's fastest run.
/// </summary>
internal static class PairedRounds
{
    /// <summary>Seconds per call of each side's fastest round and the rounds' ratios (off time / on time), sorted.</summary>
    public static (double On, double Off, double[] Ratios) Run(Action<bool> setting, Action call, int rounds, int callsPerSide, int warmUpCalls)
    {
        for (int i = 0; i < warmUpCalls; i++)
        {
            setting(i % 2 == 0);
            call();
        }
        var on = new double[rounds];
        var off = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            bool onFirst = round % 2 == 0;
            for (int side = 0; side < 2; side++)
            {
                bool state = onFirst == (side == 0);
                setting(state);
                call();
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < callsPerSide; i++) call();
                (state ? on : off)[round] = Stopwatch.GetElapsedTime(start).TotalSeconds / callsPerSide;
            }
        }
        return (on.Min(), off.Min(), [.. on.Zip(off, (a, b) => b / a).Order()]);
    }

    /// <summary>"quartiles q1 / median m / q3 of n rounds" of sorted ratios.</summary>
    public static string Describe(double[] ratios) =>
        $"ratio off/on per round: {ratios[ratios.Length / 4]:F3} / median {ratios[ratios.Length / 2]:F3} / {ratios[3 * ratios.Length / 4]:F3} (quartiles, {ratios.Length} rounds)";
}

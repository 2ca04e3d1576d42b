namespace DeepSharp.Bench;

/// <summary>
/// Each side's fastest rate over the thread settings of a run, and the thread count it came at: the row that compares
/// the two sides as a user would run them, each at its better setting (the rows already measured, not a new measurement).
/// </summary>
internal sealed class FastestThreads
{
    private (double Rate, int Threads) _ours, _theirs;

    /// <summary>Takes the rates of one thread setting.</summary>
    public void Record(int threads, double ours, double theirs)
    {
        if (ours > _ours.Rate) _ours = (ours, threads);
        if (theirs > _theirs.Rate) _theirs = (theirs, threads);
    }

    /// <summary>The row "<paramref name="name"/> (tN vs tM)" of the two fastest rates, in samples per second.</summary>
    public BenchmarkResult Row(string name, double flopsPerSample) =>
        new($"{name} (t{_ours.Threads} vs t{_theirs.Threads})", _ours.Rate, _theirs.Rate, BenchmarkUnit.SamplesPerSecond, flopsPerSample);
}

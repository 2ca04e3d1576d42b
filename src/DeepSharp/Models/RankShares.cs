using System.Diagnostics;

namespace DeepSharp;

/// <summary>
/// The shares of every batch that the ranks of a data-parallel Fit take when <see cref="Model.BalanceRanks"/> is on: each
/// rank times its own work of each step (from the end of one all-reduce to the start of the next: fetching its rows,
/// forward, backward, and the update), and at each epoch's end the ranks swap their rates, rows a second, so that every
/// rank sets the same next shares, in proportion to the rates. A rank whose core is 30% slower then takes 30% fewer rows
/// and no rank waits for it at the all-reduce.
/// </summary>
/// <remarks>
/// Rows a second is the right measure because what a rank does besides its rows (the optimizer step, the hand-off) is the
/// same on every rank: shares in proportion to measured rates settle where the ranks' steps take equally long. Each
/// share is kept at least <see cref="SmallestShare"/> of an even one, so that a rank slowed for one epoch (another
/// program on its core) is still measured and wins its rows back.
/// </remarks>
internal sealed class RankShares
{
    /// <summary>The parts a batch is cut into: a share is a number of these.</summary>
    internal const int Resolution = 1 << 12;

    /// <summary>The smallest share, as a fraction of an even one.</summary>
    internal const double SmallestShare = 0.25;

    /// <summary>
    /// Shares move only when some rank's would move by more than this fraction of a batch, and then half-way: an epoch's
    /// rates carry a few per cent of noise, and shares that follow it make the ranks unequal when their cores are not.
    /// </summary>
    internal const double SmallestMove = 0.02;

    private readonly int _rank;
    private readonly float[] _rates;
    private long _since;       // timestamp of the end of the last all-reduce, or 0 at an epoch's start
    private long _busyTicks;
    private long _rows;

    /// <summary>Even shares for <paramref name="size"/> ranks, or <paramref name="parts"/> when they are for that many.</summary>
    public RankShares(int rank, int size, int[]? parts)
    {
        _rank = rank;
        _rates = new float[size];
        Parts = parts is not null && parts.Length == size ? parts : null;
    }

    /// <summary>Every rank's part of each batch, out of their sum; null for even shares (until the first balance).</summary>
    public int[]? Parts { get; private set; }

    /// <summary>This rank's shard under <see cref="Parts"/>.</summary>
    public BatchShard Shard => Parts is { } parts ? new(_rank, parts) : new(_rank, _rates.Length);

    /// <summary>Marks the end of an all-reduce: this rank's work of the next step starts.</summary>
    public void Synchronized() => _since = Stopwatch.GetTimestamp();

    /// <summary>Marks the start of an all-reduce: this rank's work of <paramref name="rows"/> rows ended (the first step of an epoch is not counted).</summary>
    public void Arrived(int rows)
    {
        if (_since == 0) return;
        _busyTicks += Stopwatch.GetTimestamp() - _since;
        _rows += rows;
    }

    /// <summary>
    /// Swaps the ranks' rates of the epoch (a collective: every rank calls it at the same point) and sets the next shares,
    /// the same on every rank. Returns whether they changed.
    /// </summary>
    public bool Rebalance(ICommunicator communicator)
    {
        Array.Clear(_rates);
        if (_busyTicks > 0 && _rows > 0) _rates[_rank] = (float)(_rows * (double)Stopwatch.Frequency / _busyTicks);
        (_busyTicks, _rows, _since) = (0, 0, 0);
        communicator.AllReduce(_rates); // one non-zero value a slot: the sums are exact, so every rank sees the same rates
        var parts = Toward(Parts, Balance(_rates));
        if (parts is null) return false;
        Parts = parts;
        return true;
    }

    /// <summary>
    /// Parts half-way from <paramref name="current"/> (null: even) to the <paramref name="target"/> fractions, or null (no
    /// change) when there is no target or no rank's share would move by more than <see cref="SmallestMove"/>.
    /// </summary>
    internal static int[]? Toward(int[]? current, double[]? target)
    {
        if (target is null) return null;
        int size = target.Length;
        double currentTotal = current?.Sum() ?? size;
        var parts = new int[size];
        bool moves = false;
        for (int i = 0; i < size; i++)
        {
            double now = (current?[i] ?? 1) / currentTotal;
            moves |= Math.Abs(target[i] - now) > SmallestMove;
            parts[i] = Math.Max(1, (int)Math.Round(Resolution * ((now + target[i]) / 2)));
        }
        return moves ? parts : null;
    }

    /// <summary>
    /// Each rank's fraction of a batch (they add up to 1), in proportion to <paramref name="rates"/>, none below
    /// <see cref="SmallestShare"/> of an even share; null when some rank has no rate (it took no rows, or timing failed),
    /// which keeps the shares as they are.
    /// </summary>
    internal static double[]? Balance(ReadOnlySpan<float> rates)
    {
        foreach (float rate in rates)
            if (!(rate > 0) || !float.IsFinite(rate)) return null;
        int size = rates.Length;
        double floor = SmallestShare / size;
        var fractions = new double[size];
        var atFloor = new bool[size];
        // Ranks below the floor get it; the rest share what is left in proportion to their rates (again, until none falls
        // below: the last rank never does, as the floors of the others leave it at least 1 - 0.25).
        for (bool clamped = true; clamped;)
        {
            clamped = false;
            double free = 1, freeRate = 0;
            for (int i = 0; i < size; i++)
                if (atFloor[i]) free -= floor;
                else freeRate += rates[i];
            for (int i = 0; i < size; i++)
            {
                fractions[i] = atFloor[i] ? floor : free * rates[i] / freeRate;
                if (fractions[i] < floor) (atFloor[i], clamped) = (true, true);
            }
        }
        return fractions;
    }
}

namespace DeepSharp;

/// <summary>
/// The part of every batch that one process of a data-parallel run takes: shard <see cref="Index"/> of
/// <see cref="Count"/>. A loader with a shard still walks the whole epoch in the same order on every process, batch by
/// batch, but each batch holds only this shard's consecutive rows of it, so that the shards of one batch together are
/// that batch and every sample is seen once per epoch across the processes. The default is the whole batch (0 of 1).
/// </summary>
/// <remarks>
/// A batch of n rows is split as evenly as it goes: the first n mod Count shards get one row more. A batch smaller than
/// Count (the last of an epoch) leaves some shards empty. Shards made with parts (<see cref="BatchShard(int, ReadOnlySpan{int})"/>)
/// split it in proportion to them instead, for processes that differ in speed.
/// </remarks>
public readonly struct BatchShard : IEquatable<BatchShard>
{
    private readonly int _others;    // Count − 1, so that default(BatchShard) is the whole batch
    private readonly int[]? _bounds; // with parts: shard i takes rows [n·b[i] / b[Count], n·b[i+1] / b[Count]) of n

    /// <summary>Shard <paramref name="index"/> (0 to <paramref name="count"/> − 1) of <paramref name="count"/>.</summary>
    public BatchShard(int index, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"BatchShard: count must be at least 1; got {count}.");
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"BatchShard: index must be in [0, {count - 1}] for {count} shards; got {index}.");
        Index = index;
        _others = count - 1;
    }

    /// <summary>
    /// Shard <paramref name="index"/> of <c>parts.Length</c>, whose shares of a batch are in proportion to
    /// <paramref name="parts"/>: of n rows shard i takes those from n·(parts before i) / total, rounded down, to
    /// n·(parts up to i) / total, so that the shards are consecutive, disjoint and cover the batch. Every process of a
    /// run must be given the same parts.
    /// </summary>
    /// <param name="index">This shard's number, from 0.</param>
    /// <param name="parts">Each shard's weight (>= 0, at least one > 0, in total at most <see cref="int.MaxValue"/>).</param>
    public BatchShard(int index, ReadOnlySpan<int> parts)
        : this(index, parts.Length)
    {
        var bounds = new int[parts.Length + 1];
        long total = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i] < 0) throw new ArgumentOutOfRangeException(nameof(parts), parts[i], $"BatchShard: part {i} must be >= 0; got {parts[i]}.");
            total += parts[i];
            if (total > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(parts), total, $"BatchShard: the parts must add up to at most {int.MaxValue}.");
            bounds[i + 1] = (int)total;
        }
        if (total == 0) throw new ArgumentOutOfRangeException(nameof(parts), 0, "BatchShard: at least one part must be > 0; all are 0.");
        _bounds = bounds;
    }

    /// <summary>The whole batch: shard 0 of 1.</summary>
    public static BatchShard Whole => default;

    /// <summary>This shard's number, from 0 (a process' rank).</summary>
    public int Index { get; }

    /// <summary>The number of shards (the processes of the run).</summary>
    public int Count => _others + 1;

    /// <summary>Whether this is the whole batch.</summary>
    public bool IsWhole => _others == 0;

    /// <summary>This shard's part of every batch, from 0 to 1: 1 / <see cref="Count"/>, or its part of the parts.</summary>
    public double Fraction => _bounds is { } bounds ? (double)(bounds[Index + 1] - bounds[Index]) / bounds[^1] : 1.0 / Count;

    /// <summary>This shard's rows of a batch of <paramref name="batchSize"/> rows: the first and how many.</summary>
    public (int Start, int Length) RowsOf(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if (_bounds is { } bounds)
        {
            long total = bounds[^1];
            int start = (int)((long)batchSize * bounds[Index] / total), end = (int)((long)batchSize * bounds[Index + 1] / total);
            return (start, end - start);
        }
        int count = Count, share = batchSize / count, extra = batchSize % count;
        return (Index * share + Math.Min(Index, extra), share + (Index < extra ? 1 : 0));
    }

    /// <inheritdoc/>
    public bool Equals(BatchShard other) =>
        Index == other.Index && _others == other._others && (_bounds is null ? other._bounds is null : other._bounds is not null && _bounds.AsSpan().SequenceEqual(other._bounds));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BatchShard other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Index, _others);

    /// <summary>Whether two shards are the same.</summary>
    public static bool operator ==(BatchShard left, BatchShard right) => left.Equals(right);

    /// <summary>Whether two shards differ.</summary>
    public static bool operator !=(BatchShard left, BatchShard right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => _bounds is null ? $"shard {Index} of {Count}" : FormattableString.Invariant($"shard {Index} of {Count} ({Fraction * 100:F1}%)");
}

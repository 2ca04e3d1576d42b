namespace DeepSharp;

/// <summary>
/// The part of every batch that one process of a data-parallel run takes: shard <see cref="Index"/> of
/// <see cref="Count"/>. A loader with a shard still walks the whole epoch in the same order on every process, batch by
/// batch, but each batch holds only this shard's consecutive rows of it, so that the shards of one batch together are
/// that batch and every sample is seen once per epoch across the processes. The default is the whole batch (0 of 1).
/// </summary>
/// <remarks>
/// A batch of n rows is split as evenly as it goes: the first n mod Count shards get one row more. A batch smaller than
/// Count (the last of an epoch) leaves some shards empty.
/// </remarks>
public readonly struct BatchShard : IEquatable<BatchShard>
{
    private readonly int _others; // Count − 1, so that default(BatchShard) is the whole batch

    /// <summary>Shard <paramref name="index"/> (0 to <paramref name="count"/> − 1) of <paramref name="count"/>.</summary>
    public BatchShard(int index, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"BatchShard: count must be at least 1; got {count}.");
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"BatchShard: index must be in [0, {count - 1}] for {count} shards; got {index}.");
        Index = index;
        _others = count - 1;
    }

    /// <summary>The whole batch: shard 0 of 1.</summary>
    public static BatchShard Whole => default;

    /// <summary>This shard's number, from 0 (a process' rank).</summary>
    public int Index { get; }

    /// <summary>The number of shards (the processes of the run).</summary>
    public int Count => _others + 1;

    /// <summary>Whether this is the whole batch.</summary>
    public bool IsWhole => _others == 0;

    /// <summary>This shard's rows of a batch of <paramref name="batchSize"/> rows: the first and how many.</summary>
    public (int Start, int Length) RowsOf(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        int count = Count, share = batchSize / count, extra = batchSize % count;
        return (Index * share + Math.Min(Index, extra), share + (Index < extra ? 1 : 0));
    }

    /// <inheritdoc/>
    public bool Equals(BatchShard other) => Index == other.Index && _others == other._others;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BatchShard other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Index, _others);

    /// <summary>Whether two shards are the same.</summary>
    public static bool operator ==(BatchShard left, BatchShard right) => left.Equals(right);

    /// <summary>Whether two shards differ.</summary>
    public static bool operator !=(BatchShard left, BatchShard right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"shard {Index} of {Count}";
}

using System.Collections;

namespace DeepSharp;

/// <summary>
/// Enumerates the batches of one epoch of a <see cref="DataLoader"/> or an <see cref="ImageFlow"/>. A struct, as
/// <c>foreach</c> uses it: no allocation.
/// </summary>
public struct BatchEnumerator : IEnumerator<Batch>
{
    private readonly IEpochBatches _source;
    private readonly int _enumeration;
    private Batch _current;

    internal BatchEnumerator(IEpochBatches source, int enumeration)
    {
        _source = source;
        _enumeration = enumeration;
        _current = default;
    }

    /// <summary>The current batch; valid until the next <see cref="MoveNext"/>.</summary>
    public readonly Batch Current => _current;

    readonly object IEnumerator.Current => _current;

    /// <summary>Takes the next batch (the source may reuse the current one's tensors for it); false at the end of the epoch.</summary>
    /// <exception cref="InvalidOperationException">Another enumeration of the same source has started since this one.</exception>
    public bool MoveNext() => _source.MoveNext(_enumeration, ref _current);

    /// <summary>Restarts the same epoch, in the same order (a <see cref="DataLoader"/>); an <see cref="ImageFlow"/> throws <see cref="NotSupportedException"/>.</summary>
    public void Reset()
    {
        _source.Reset(_enumeration);
        _current = default;
    }

    /// <summary>Ends the enumeration (the batch tensors stay with the source).</summary>
    public readonly void Dispose() { }
}

namespace DeepSharp;

/// <summary>
/// A source whose enumerations each run one epoch of batches, one enumeration at a time: what
/// <see cref="BatchEnumerator"/> steps through. The source keeps the epoch's position; an enumeration names itself by
/// the number the source gave it when it started, so that an older one fails when it moves on.
/// </summary>
internal interface IEpochBatches
{
    /// <summary>
    /// Puts the next batch of enumeration <paramref name="enumeration"/> in <paramref name="current"/>; false at the end
    /// of the epoch (where the source decides what <paramref name="current"/> then holds).
    /// </summary>
    bool MoveNext(int enumeration, ref Batch current);

    /// <summary>Restarts enumeration <paramref name="enumeration"/>'s epoch from its first batch, or throws where that is not supported.</summary>
    void Reset(int enumeration);
}

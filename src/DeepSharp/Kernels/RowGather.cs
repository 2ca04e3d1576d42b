namespace DeepSharp.Kernels;

/// <summary>
/// Copies chosen rows of a row-major matrix into consecutive rows of another: the work behind assembling a
/// shuffled mini-batch. A row is everything after the first axis (a 28×28 image is one row of 784 floats).
/// </summary>
internal static class RowGather
{
    /// <summary>
    /// Copies row <c>rows[i]</c> of <paramref name="source"/> to row i of <paramref name="destination"/>, for
    /// every i. Rows are <paramref name="rowLength"/> floats long.
    /// </summary>
    internal static void Gather(ReadOnlySpan<float> source, int rowLength, ReadOnlySpan<int> rows, Span<float> destination)
    {
        if (rowLength < 0) throw new ArgumentOutOfRangeException(nameof(rowLength), rowLength, "RowGather: the row length must be non-negative.");
        if ((long)rows.Length * rowLength > destination.Length)
            throw new ArgumentException($"RowGather: {rows.Length} rows of {rowLength} need {(long)rows.Length * rowLength} floats; the destination holds {destination.Length}.", nameof(destination));
        if (rowLength == 0) return;
        int rowCount = source.Length / rowLength;
        for (int i = 0; i < rows.Length; i++)
        {
            int row = rows[i];
            if ((uint)row >= (uint)rowCount)
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"RowGather: row index at position {i} is outside the {rowCount} rows of the source.");
            // Span copies use the runtime's vectorised memmove; a row of an image is a few hundred floats.
            source.Slice(row * rowLength, rowLength).CopyTo(destination.Slice(i * rowLength, rowLength));
        }
    }
}

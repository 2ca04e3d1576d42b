namespace DeepSharp;

public static partial class Ops
{
    /// <summary>
    /// Copies <paramref name="rows"/> (no graph) into <paramref name="destination"/> starting at row
    /// <paramref name="firstRow"/> of its first axis: how batched predictions are assembled.
    /// </summary>
    internal static void CopyRowsInto(Tensor rows, Tensor destination, int firstRow)
    {
        if (rows.Rank != destination.Rank || rows.Rank == 0)
            throw new ArgumentException($"CopyRowsInto: shapes {rows.Shape} and {destination.Shape} differ in rank.");
        int rowSize = destination.Shape[0] == 0 ? 0 : destination.Size / destination.Shape[0];
        if (rows.Size != rows.Shape[0] * rowSize || firstRow + rows.Shape[0] > destination.Shape[0])
            throw new ArgumentException($"CopyRowsInto: rows of shape {rows.Shape} do not fit at row {firstRow} of {destination.Shape}.");
        rows.CopyTo(destination.Span.Slice(firstRow * rowSize, rows.Size));
    }
}

namespace DeepSharp.Kernels;

/// <summary>
/// An affine map from output pixel (row, column) to the input point it samples:
/// input row = <see cref="RowFromRow"/>·r + <see cref="RowFromColumn"/>·c + <see cref="RowOffset"/>, and the
/// same for the input column.
/// </summary>
internal readonly record struct AffineMap(
    float RowFromRow, float RowFromColumn, float RowOffset,
    float ColumnFromRow, float ColumnFromColumn, float ColumnOffset)
{
    /// <summary>Whether the map sends every pixel to itself.</summary>
    internal bool IsIdentity =>
        RowFromRow == 1 && RowFromColumn == 0 && RowOffset == 0 && ColumnFromRow == 0 && ColumnFromColumn == 1 && ColumnOffset == 0;
}

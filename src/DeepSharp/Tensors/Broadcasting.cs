namespace DeepSharp;

/// <summary>NumPy broadcasting rules: shapes align at the right; a dimension of 1 stretches to match.</summary>
internal static class Broadcasting
{
    /// <summary>The shape two operands of <paramref name="op"/> broadcast to, or an exception naming both.</summary>
    internal static TensorShape ResultShape(in TensorShape a, in TensorShape b, string op)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        Span<int> dims = stackalloc int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {a} and {b} cannot be broadcast together (aligned from the right, dimension {i} is {da} against {db}; sizes must match or one must be 1).");
            dims[i] = da == 1 ? db : da;
        }
        return new TensorShape(dims);
    }

    /// <summary>Whether <paramref name="from"/> broadcasts to exactly <paramref name="to"/>.</summary>
    internal static bool CanBroadcastTo(in TensorShape from, in TensorShape to)
    {
        if (from.Rank > to.Rank) return false;
        int pad = to.Rank - from.Rank;
        for (int i = 0; i < from.Rank; i++)
            if (from[i] != 1 && from[i] != to[i + pad]) return false;
        return true;
    }

    /// <summary>
    /// The strides that read <paramref name="tensor"/> as if it had shape <paramref name="target"/>: its own
    /// strides, aligned at the right, with 0 for dimensions it is broadcast along.
    /// </summary>
    internal static void StridesFor(Tensor tensor, in TensorShape target, Span<int> strides)
    {
        int pad = target.Rank - tensor.Rank;
        for (int i = 0; i < target.Rank; i++)
        {
            if (i < pad) strides[i] = 0;
            else strides[i] = tensor._shape[i - pad] == 1 && target[i] != 1 ? 0 : tensor._strides[i - pad];
        }
    }
}

namespace DeepSharp;

public static partial class Ops
{
    /// <summary>
    /// <paramref name="axis"/> of a tensor of <paramref name="shape"/> as an index in [0, rank), counting
    /// negative axes from the end; otherwise an exception naming the op, the argument, the axis and the shape.
    /// </summary>
    internal static int NormalizeAxis(string op, string argument, int axis, in TensorShape shape) =>
        NormalizeAxis(op, argument, axis, shape.Rank, shape);

    /// <summary>As above, for ops whose valid axes span <paramref name="rank"/> positions (unsqueeze, stack: one more than the input's).</summary>
    internal static int NormalizeAxis(string op, string argument, int axis, int rank, in TensorShape shape)
    {
        int normalized = axis < 0 ? axis + rank : axis;
        if ((uint)normalized >= (uint)rank)
            throw new ArgumentOutOfRangeException(argument, axis,
                rank == 0
                    ? $"{op}: {argument} {axis} is out of range: a tensor of shape {shape} has no axes."
                    : $"{op}: {argument} {axis} is out of range for a tensor of shape {shape} (valid: {-rank} to {rank - 1}).");
        return normalized;
    }
}

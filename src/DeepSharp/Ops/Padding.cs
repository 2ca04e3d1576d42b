using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- pad: dx = the interior of g -------------------------------------------------------------------

    /// <summary>
    /// <paramref name="x"/> surrounded by <paramref name="value"/>: along each axis d, <c>padding[d].Before</c>
    /// values before and <c>padding[d].After</c> after, as NumPy's and Keras' <c>pad</c> in constant mode.
    /// </summary>
    /// <param name="x">The tensor to pad.</param>
    /// <param name="padding">One (before, after) pair per axis, each non-negative.</param>
    /// <param name="value">The value of the added elements.</param>
    public static Tensor Pad(Tensor x, ReadOnlySpan<(int Before, int After)> padding, float value = 0f)
    {
        x.ThrowIfDisposed();
        int rank = x.Rank;
        if (padding.Length != rank)
            throw new ArgumentException($"Pad: {padding.Length} (before, after) pairs given for a tensor of shape {x._shape}; one per axis is needed.", nameof(padding));
        Span<int> dims = stackalloc int[rank];
        for (int d = 0; d < rank; d++)
        {
            var (before, after) = padding[d];
            if (before < 0 || after < 0)
                throw new ArgumentOutOfRangeException(nameof(padding), $"Pad: padding ({before}, {after}) of axis {d} is negative; use Slice to crop.");
            long size = (long)x._shape[d] + before + after;
            if (size > int.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(padding), $"Pad: padding ({before}, {after}) of axis {d} makes it {size} long (shape {x._shape}), more than a tensor dimension can be ({int.MaxValue}).");
            dims[d] = (int)size;
        }
        var y = Tensor.Uninitialized(new TensorShape(dims));
        y.Span.Fill(value);
        long offset = 0;
        for (int d = 0; d < rank; d++) offset += (long)padding[d].Before * y._strides[d];
        if (x._size > 0) StridedCopy.Copy(x.Pointer, x.Strides, y.Pointer + offset, y.Strides, x._shape.Dims);
        if (Node.Record("pad", PadBackward, y, x) is { } node)
        {
            var before = new Dims8();
            for (int d = 0; d < rank; d++) before[d] = padding[d].Before;
            node.Save(before);
        }
        return y;
    }

    private static void PadBackward(Node n, Tensor g)
    {
        var x = n.A!;
        ref readonly var before = ref n.State<Dims8>(); // the padding before each axis
        long offset = 0;
        for (int d = 0; d < x.Rank; d++) offset += (long)before[d] * g._strides[d];
        var dx = Tensor.Uninitialized(x._shape);
        if (dx._size > 0) StridedCopy.Copy(g.Pointer + offset, g.Strides, dx.Pointer, dx.Strides, x._shape.Dims);
        GradientEngine.Accumulate(x, dx);
    }
}

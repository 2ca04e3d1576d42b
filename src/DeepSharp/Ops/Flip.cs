using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- flip: dx = flip(g) ----------------------------------------------------------------------------

    /// <summary>
    /// <paramref name="x"/> with the order of its elements along <paramref name="axis"/> reversed, as NumPy's and Keras'
    /// <c>flip</c> (RandomFlip mirrors images with it).
    /// </summary>
    /// <param name="x">The tensor.</param>
    /// <param name="axis">The axis to reverse (negative counts from the end).</param>
    public static Tensor Flip(Tensor x, int axis)
    {
        x.ThrowIfDisposed();
        int a = NormalizeAxis("Flip", nameof(axis), axis, x._shape);
        var y = Tensor.Uninitialized(x._shape);
        Reversed(x, a, y);
        Node.Record("flip", FlipBackward, y, x)?.Save(a);
        return y;
    }

    private static void FlipBackward(Node node, Tensor g)
    {
        var x = node.A!;
        var dx = Tensor.Uninitialized(x._shape);
        Reversed(g, node.State<int>(), dx);
        GradientEngine.Accumulate(x, dx);
    }

    /// <summary>Writes <paramref name="x"/> reversed along <paramref name="axis"/> into the contiguous <paramref name="y"/>: a copy read with a negative stride.</summary>
    private static void Reversed(Tensor x, int axis, Tensor y)
    {
        if (y._size == 0) return;
        var source = ContiguousOperand.Of(x);
        var (outer, n, inner) = AxisBlocks(x._shape, axis);
        StridedCopy.Copy(source.Pointer + (long)(n - 1) * inner, [n * inner, -inner, 1], y.Pointer, [n * inner, inner, 1], [outer, n, inner]);
        ContiguousOperand.Release(source, x);
    }
}

using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- repeat: dx[i] = Σ_k g[i·r + k] ----------------------------------------------------------------

    /// <summary>
    /// Each element of <paramref name="x"/> repeated <paramref name="repeats"/> times along <paramref name="axis"/>, as
    /// NumPy's and Keras' <c>repeat</c> with one count: [a, b] becomes [a, a, b, b] for 2 (Keras' UpSampling1D).
    /// </summary>
    /// <param name="x">The tensor.</param>
    /// <param name="repeats">How many times each element appears; positive.</param>
    /// <param name="axis">The axis to repeat along (negative counts from the end).</param>
    public static Tensor Repeat(Tensor x, int repeats, int axis)
    {
        x.ThrowIfDisposed();
        RequirePositive("Repeat", nameof(repeats), repeats);
        int a = NormalizeAxis("Repeat", nameof(axis), axis, x._shape);
        var (outer, n, inner) = AxisBlocks(x._shape, a);
        var y = Tensor.Uninitialized(x._shape.With(a, n * repeats));
        var source = ContiguousOperand.Of(x);
        // y seen as (outer, n, repeats, inner) reads x seen as (outer, n, inner) with the repeats axis at stride 0.
        StridedCopy.Copy(source.Pointer, [n * inner, inner, 0, 1], y.Pointer, [n * repeats * inner, repeats * inner, inner, 1], [outer, n, repeats, inner]);
        ContiguousOperand.Release(source, x);
        Node.Record("repeat", RepeatBackward, y, x)?.Save(new RepeatSaved(a, repeats));
        return y;
    }

    private readonly record struct RepeatSaved(int Axis, int Repeats);

    private static void RepeatBackward(Node node, Tensor g)
    {
        var x = node.A!;
        var (axis, repeats) = node.State<RepeatSaved>();
        var (outer, n, inner) = AxisBlocks(x._shape, axis);
        var dy = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(x._shape);
        float* source = dy.Pointer, target = dx.Pointer;
        for (long o = 0; o < (long)outer * n; o++, target += inner)
        {
            float* block = source + o * repeats * inner;
            new ReadOnlySpan<float>(block, inner).CopyTo(new Span<float>(target, inner));
            for (int k = 1; k < repeats; k++) Im2Col.AddTo(block + (long)k * inner, target, inner);
        }
        ContiguousOperand.Release(dy, g);
        GradientEngine.Accumulate(x, dx);
    }

    /// <summary>A contiguous tensor of <paramref name="shape"/> as (outer, shape[axis], inner) blocks.</summary>
    private static (int Outer, int Length, int Inner) AxisBlocks(in TensorShape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Rank; d++) inner *= shape[d];
        return (outer, shape[axis], inner);
    }
}
